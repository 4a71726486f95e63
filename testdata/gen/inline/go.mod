module heapscope.test/inline

go 1.19
