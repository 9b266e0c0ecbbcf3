# expect: TODO
pop|1|FRA
