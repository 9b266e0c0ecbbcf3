# expect: TODO
as|1|Frankfurt
