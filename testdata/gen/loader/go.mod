module heapscope.test/loader

go 1.25
