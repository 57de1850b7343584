module gopcln

go 1.19
