# expect: TODO
link|100|102|FRA
