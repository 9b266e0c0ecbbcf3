# expect: TODO
as|99999|FRA
