"""Forms of the inspection screens. They parse input only: the services say in Chinese what is wrong
(an unknown source, a unit outside the office's region, a deadline in the past, a stale edit) and the
views put those messages beside these fields."""
