# expect: FILE:2: expected `as|ASN|CITY;CITY;...` or `link|ASN|ASN|CITY;...`, got "pop|1|FRA"
pop|1|FRA
