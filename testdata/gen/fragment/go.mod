module heapscope.test/fragment

go 1.19
