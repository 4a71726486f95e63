module heapscope.test/proxy

go 1.25
