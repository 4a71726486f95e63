module heapscope.test/server

go 1.19
