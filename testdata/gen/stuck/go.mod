module heapscope.test/stuck

go 1.25
