# expect: FILE:2: city "Frankfurt" must be an IATA code (e.g. FRA), Name,CC (e.g. Frankfurt,DE) or geonames:ID; bare names are ambiguous
as|1|Frankfurt
