module heapscope.test/gotest

go 1.19
