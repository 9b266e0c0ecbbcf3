# expect: FILE:2: AS99999 is not in the topology this geography is read with
as|99999|FRA
