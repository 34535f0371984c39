"""(placeholder: routes come with the rectification loop)"""
