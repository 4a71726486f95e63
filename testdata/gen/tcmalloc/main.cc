// tcmalloc writes the two text heap profiles of gperftools' tcmalloc, the
// C++ allocator pprof's legacy heap formats come from:
//
//   - <out.heapprofile.txt>: the heap profiler's own dump
//     (HeapProfilerStart + GetHeapProfile), header "@ heapprofile": every
//     allocation recorded, values exact, no scaling;
//   - <out.heap_v2.txt>: tcmalloc's sampled heap
//     (MallocExtension::GetHeapSample), header "@ heap_v2/<rate>": live
//     objects sampled about once per <rate> bytes, which pprof scales up.
//
// Both end with a MAPPED_LIBRARIES: section (the process's /proc/self/maps).
// There are no symbols in either; pprof symbolizes them with the binaries.
//
// Build: g++ -O1 -g -o tcmalloc main.cc -ltcmalloc   (libgoogle-perftools-dev)
// Run:   TCMALLOC_SAMPLE_PARAMETER=65536 ./tcmalloc <out.heapprofile.txt> <out.heap_v2.txt>
#include <gperftools/heap-profiler.h>
#include <gperftools/malloc_extension.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

static std::vector<void*> keep;

// Many small objects; half of them stay live.
__attribute__((noinline)) void small_objects(int n) {
  for (int i = 0; i < n; i++) {
    void* p = malloc(64 + (i % 4) * 32);
    if (i % 2 == 0) keep.push_back(p); else free(p);
  }
}

// Large buffers; one in four stays live.
__attribute__((noinline)) void big_buffers(int n) {
  for (int i = 0; i < n; i++) {
    void* p = malloc((1 << 20) + i * 4096);
    if (i % 4 == 0) keep.push_back(p); else free(p);
  }
}

// C++ containers, through operator new.
__attribute__((noinline)) void strings(int n) {
  static std::vector<std::string> names;
  for (int i = 0; i < n; i++) names.push_back(std::string(200 + i % 300, 'x'));
}

static bool write_file(const char* path, const char* text) {
  FILE* f = fopen(path, "w");
  if (f == nullptr) return false;
  bool ok = fputs(text, f) >= 0;
  return fclose(f) == 0 && ok;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: tcmalloc <out.heapprofile.txt> <out.heap_v2.txt>\n");
    return 2;
  }
  HeapProfilerStart("/tmp/heapscope-tcmalloc");
  small_objects(100000);
  big_buffers(40);
  strings(20000);
  char* profile = GetHeapProfile();
  bool ok = write_file(argv[1], profile);
  free(profile);
  HeapProfilerStop();
  std::string sample;
  MallocExtension::instance()->GetHeapSample(&sample);
  ok = write_file(argv[2], sample.c_str()) && ok;
  return ok ? 0 : 1;
}
