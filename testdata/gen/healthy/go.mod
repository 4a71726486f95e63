module heapscope.test/healthy

go 1.25
