# expect: FILE:2: unknown city "Atlantis,XX" (did you mean Atlanta?)
as|1|JFK;Atlantis,XX
