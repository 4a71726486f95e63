module heapscope.test/sparse

go 1.25
