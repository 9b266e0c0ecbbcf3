mod topology;
