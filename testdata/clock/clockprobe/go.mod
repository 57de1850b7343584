module clockprobe

go 1.19
