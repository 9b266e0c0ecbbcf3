# one bad line
as|1|JFK
as|2|Atlantis,XX
