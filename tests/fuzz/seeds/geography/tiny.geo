# tiny: geography of tiny.as-rel.txt (see topologies/README.md, docs/topology.md)
# as|ASN|CITY;CITY;...      (cities by IATA code or Name,CC)
# link|ASN|ASN|CITY;...     (interconnection cities; other links meet where
#                            both ASes are present, else at the nearest pair)
# Tier-1s, global
as|1|JFK;IAD;ORD;LAX;LHR;FRA;SIN;Tokyo,JP
as|2|JFK;DFW;SEA;LHR;CDG;BOM;SYD;GRU
# regional transit
as|10|FRA;LHR;CDG;Berlin,DE;MAD;ARN
as|11|JFK;IAD;ORD;DFW;DEN;PHX;LAX;SEA
as|12|SIN;Tokyo,JP;SYD;BOM
# national ISPs with access networks
as|20|FRA;Berlin,DE
as|21|DEN;PHX;DFW
as|22|Tokyo,JP
# stubs
as|100|DEN
as|101|PHX
as|102|Berlin,DE
# a small CDN / hosting network that will host PoPs
as|200|IAD;DEN;FRA
# AS10 (Europe) hauls to New York to peer with AS11
link|10|11|JFK
