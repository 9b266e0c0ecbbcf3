mod bgp;
