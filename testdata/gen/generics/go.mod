module heapscope.test/generics

go 1.25
