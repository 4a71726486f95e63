module heapscope.test/cacheleak

go 1.25
