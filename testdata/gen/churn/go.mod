module heapscope.test/churn

go 1.19
