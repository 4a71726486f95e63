module heapscope.test/runaway

go 1.19
