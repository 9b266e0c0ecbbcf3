mod geo;
