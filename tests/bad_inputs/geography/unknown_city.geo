# expect: TODO
as|1|JFK;Atlantis,XX
