module heapscope.test/thrash

go 1.19
