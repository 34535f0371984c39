"""(placeholder: comes with the rectification loop)"""
