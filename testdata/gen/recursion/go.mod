module heapscope.test/recursion

go 1.19
