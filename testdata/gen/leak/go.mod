module heapscope.test/leak

go 1.19
