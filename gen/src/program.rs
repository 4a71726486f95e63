//! The synthetic Go program whose heap the generator profiles: packages,
//! files and functions with Go-style names, a layered call graph entered
//! through shared goroutine chains (HTTP, gRPC, queue workers, main), with
//! inlined calls, recursion and every call and allocation site. It is built
//! from a constant seed, so profiles of every `--seed` and `--scale` describe
//! the same binary, as snapshots of one process would.

use std::collections::HashSet;

use crate::rng::Rng;

/// The seed of the program itself (not of the profile).
const PROGRAM_SEED: u64 = 0x6865_6170_7363_6f70;

/// Levels of the call graph below the entry chains, and how many functions
/// each holds: handlers, then services, then ever more shared code.
const LEVELS: usize = 32;
fn level_width(level: usize) -> usize {
    if level == 0 {
        60
    } else {
        90
    }
}

/// Every function has at most this many sites (call sites, then allocation
/// sites), so a location's address can number them in one hex digit.
const MAX_SITES: usize = 15;
const MAX_CALLEES: usize = 11;

/// Base address of the text segment, and the bytes of code per function.
pub const TEXT_START: u64 = 0x401000;
pub const FUNC_STRIDE: u64 = 0x8000;

/// A function that can always be found in every profile: a hot store method
/// in the middle of the stacks (for `list`/`peek` benchmarks and tests).
pub const HUB: &str = "example.com/shop/internal/store.(*Tx).Query";
const HUB_LEVEL: usize = 8;

pub struct Function {
    pub name: String,
    pub file: usize,
    pub start_line: i64,
    /// Call site `i` calls `callees[i]`, except for an indirect call (through
    /// a function value or interface), where one site calls all of them.
    pub callees: Vec<u32>,
    pub indirect: bool,
    pub alloc_sites: usize,
    /// Calls to it are inlined into the caller (never for indirect calls).
    pub inlinable: bool,
    /// The typical object size of each allocation site (a Go size class), or
    /// 0 for a site that grows a slice and allocates many sizes.
    pub site_sizes: Vec<i64>,
}

impl Function {
    pub fn call_sites(&self) -> usize {
        if self.indirect {
            1
        } else {
            self.callees.len()
        }
    }

    /// The call site of callee number `i`.
    pub fn call_site(&self, i: usize) -> usize {
        if self.indirect {
            0
        } else {
            i
        }
    }

    /// The source line of site `s` (call sites first, then allocation sites).
    pub fn site_line(&self, s: usize) -> i64 {
        self.start_line + 2 + 3 * s as i64
    }

    pub fn entry(index: usize) -> u64 {
        TEXT_START + index as u64 * FUNC_STRIDE
    }
}

/// A goroutine's fixed outer frames (root first) and how often stacks start
/// with it.
pub struct Chain {
    pub weight: f64,
    pub frames: Vec<u32>,
}

pub struct Program {
    pub functions: Vec<Function>,
    pub files: Vec<String>,
    pub chains: Vec<Chain>,
    /// Short stacks (root first) of the runtime and of writing the profile,
    /// present in every Go heap profile.
    pub background: Vec<Vec<u32>>,
    pub binary: &'static str,
}

/// Go's size classes (bytes), the sizes small objects are rounded up to.
pub const SIZE_CLASSES: &[i64] = &[
    8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352,
    384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048,
    2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728,
    10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672,
    32768,
];

/// An object size as allocation sites have them: mostly small, some large
/// (beyond 32 KiB, whole pages).
pub fn object_size(rng: &mut Rng) -> i64 {
    let u = rng.f64();
    if u < 0.97 {
        // Smaller classes are more common: u² leans to the front.
        let v = rng.f64();
        SIZE_CLASSES[((v * v) * SIZE_CLASSES.len() as f64) as usize]
    } else {
        8192 * (5 + rng.below(60) as i64)
    }
}

const DOMAIN: &str =
    "api auth billing cart catalog checkout coupon currency customer fraud fulfilment \
inventory invoice ledger loyalty mail notify orders payments pricing promo ratelimit \
recommend refund report review search session shipping stock tax tenant user warehouse \
wishlist";
const INFRA: &str =
    "cache store store/sqlx queue rpc codec metrics logging tracing httpx config featureflag \
blob lock";
const THIRD_PARTY: &str =
    "github.com/jackc/pgx/v5 github.com/jackc/pgx/v5/pgproto3 github.com/jackc/pgx/v5/pgtype \
go.uber.org/zap go.uber.org/zap/zapcore github.com/prometheus/client_golang/prometheus \
google.golang.org/protobuf/proto google.golang.org/protobuf/internal/impl \
google.golang.org/grpc github.com/redis/go-redis/v9 \
github.com/redis/go-redis/v9/internal/proto github.com/segmentio/kafka-go \
github.com/segmentio/kafka-go/protocol";
const STDLIB: &str =
    "encoding/json bytes strings strconv fmt bufio reflect sort sync net/http net/url \
net/textproto compress/gzip compress/flate crypto/tls crypto/sha256 encoding/base64 \
encoding/binary io regexp regexp/syntax time database/sql text/template html/template \
math/big mime/multipart context errors os";
const VERBS: &str =
    "Get Put Load Store Find List Create Update Delete Encode Decode Marshal Unmarshal Parse \
Format Validate Apply Build Render Compute Resolve Fetch Write Read Flush Scan Merge \
Split Join Copy Clone Send Receive Handle Process Dispatch Open Close Reset Grow Append \
Insert Lookup Match Compile Sum Sign Verify Hash Compress Sort Filter Collect Emit \
Publish Refresh Sync Retry Schedule Prepare Exec Convert Expand Index Check";
const NOUNS: &str =
    "Order Item Cart User Session Token Price Invoice Payment Account Ledger Entry Batch \
Page Query Row Rows Record Event Message Request Response Header Field Value Key Node \
Tree Table Column Schema Plan Rule Policy Client Conn Pool Stream Buffer Encoder \
Decoder Writer Reader Builder Store Worker Job Task Metric Span Tag Label Template \
Document Result Snapshot Frame Segment Chunk Slot State Options";

/// A package: its import path, the levels its functions live at, and its
/// files (created as functions need them).
struct Package {
    path: String,
    levels: (usize, usize),
    files: Vec<usize>,
    /// Names of functions already in the package (closures are made of them).
    funcs: Vec<String>,
}

fn packages() -> Vec<Package> {
    let mut pkgs = Vec::new();
    let mut add = |path: String, levels| {
        pkgs.push(Package {
            path,
            levels,
            files: Vec::new(),
            funcs: Vec::new(),
        });
    };
    for p in DOMAIN.split_whitespace() {
        add(format!("example.com/shop/internal/{p}"), (0, 16));
    }
    for p in INFRA.split_whitespace() {
        add(format!("example.com/shop/internal/{p}"), (5, 24));
    }
    for p in THIRD_PARTY.split_whitespace() {
        add(p.to_string(), (10, 27));
    }
    for p in STDLIB.split_whitespace() {
        add(p.to_string(), (14, LEVELS - 1));
    }
    pkgs
}

/// The file of the source tree a package's file is found at: module paths
/// as `-trimpath` records them, versions for third-party modules.
fn file_path(pkg: &str, base: &str) -> String {
    if pkg.starts_with("example.com/") || !pkg.contains('.') {
        format!("{pkg}/{base}.go")
    } else {
        // github.com/jackc/pgx/v5/pgtype → github.com/jackc/pgx/v5@v5.5.2/pgtype:
        // modules are host/owner/repo on GitHub, host/name elsewhere, plus /vN.
        let parts: Vec<&str> = pkg.split('/').collect();
        let mut module_len = if parts[0] == "github.com" { 3 } else { 2 };
        let vn = parts.get(module_len).filter(|p| {
            p.len() > 1 && p.starts_with('v') && p[1..].bytes().all(|b| b.is_ascii_digit())
        });
        let major = match vn {
            Some(v) => {
                module_len += 1;
                &v[1..]
            }
            None => "1",
        };
        let module_len = module_len.min(parts.len());
        let module = parts[..module_len].join("/");
        let rest = parts[module_len..].join("/");
        let version = format!("@v{major}.{}.{}", module.len() % 9, module.len() % 7);
        if rest.is_empty() {
            format!("{module}{version}/{base}.go")
        } else {
            format!("{module}{version}/{rest}/{base}.go")
        }
    }
}

struct Builder {
    rng: Rng,
    functions: Vec<Function>,
    files: Vec<String>,
    file_lines: Vec<i64>,
    names: HashSet<String>,
    verbs: Vec<&'static str>,
    nouns: Vec<&'static str>,
}

impl Builder {
    fn file(&mut self, path: String) -> usize {
        self.files.push(path);
        self.file_lines.push(1);
        self.files.len() - 1
    }

    /// Adds a function; its start line is set once its sites are known.
    fn add(&mut self, name: String, file: usize) -> u32 {
        self.names.insert(name.clone());
        self.functions.push(Function {
            name,
            file,
            start_line: 0,
            callees: Vec::new(),
            indirect: false,
            alloc_sites: 1,
            inlinable: false,
            site_sizes: Vec::new(),
        });
        (self.functions.len() - 1) as u32
    }

    /// A fresh Go-style name in `pkg`: a method, a function or a closure.
    fn name(&mut self, pkg: &mut Package) -> String {
        for attempt in 0.. {
            let verb = self.rng.pick(&self.verbs);
            let noun = self.rng.pick(&self.nouns);
            let noun2 = self.rng.pick(&self.nouns);
            let u = self.rng.f64();
            let mut name = if u < 0.45 {
                format!("{}.(*{noun}).{verb}{noun2}", pkg.path)
            } else if u < 0.6 {
                format!("{}.{noun}.{verb}", pkg.path)
            } else if u < 0.75 {
                format!("{}.{verb}{noun}", pkg.path)
            } else if u < 0.85 {
                let lower = verb.to_ascii_lowercase();
                format!("{}.{lower}{noun}", pkg.path)
            } else if let Some(outer) = (!pkg.funcs.is_empty()).then(|| self.rng.pick(&pkg.funcs)) {
                format!("{outer}.func{}", 1 + self.rng.below(3))
            } else {
                format!("{}.new{noun}", pkg.path)
            };
            if attempt > 20 {
                name = format!("{name}{attempt}");
            }
            if !self.names.contains(&name) {
                return name;
            }
        }
        unreachable!()
    }

    /// A file of `pkg` for a new function: a new one now and then.
    fn file_of(&mut self, pkg: &mut Package) -> usize {
        if pkg.files.is_empty() || (pkg.files.len() < 12 && self.rng.f64() < 0.15) {
            let base = if pkg.files.is_empty() {
                pkg.path.rsplit('/').next().unwrap_or("x").to_string()
            } else {
                let noun = self.rng.pick(&self.nouns).to_ascii_lowercase();
                format!("{noun}_{}", pkg.files.len())
            };
            let path = file_path(&pkg.path, &base);
            let f = self.file(path);
            pkg.files.push(f);
        }
        pkg.files[self.rng.below(pkg.files.len())]
    }

    /// A chain of named functions (root first), each calling the next.
    fn chain(&mut self, frames: &[(&str, &str)]) -> Vec<u32> {
        let ids: Vec<u32> = frames
            .iter()
            .map(|(name, file)| {
                let f = self.file(file.to_string());
                self.add(name.to_string(), f)
            })
            .collect();
        for w in ids.windows(2) {
            self.functions[w[0] as usize].callees.push(w[1]);
            self.functions[w[0] as usize].alloc_sites = 0;
        }
        ids
    }
}

impl Program {
    pub fn build() -> Program {
        let mut b = Builder {
            rng: Rng::new(PROGRAM_SEED),
            functions: Vec::new(),
            files: Vec::new(),
            file_lines: Vec::new(),
            names: HashSet::new(),
            verbs: VERBS.split_whitespace().collect(),
            nouns: NOUNS.split_whitespace().collect(),
        };

        // The goroutines' outer frames.
        let goexit = b.chain(&[("runtime.goexit", "runtime/asm_amd64.s")])[0];
        let http = b.chain(&[
            ("net/http.(*conn).serve", "net/http/server.go"),
            ("net/http.serverHandler.ServeHTTP", "net/http/server.go"),
            (
                "example.com/shop/internal/router.(*Router).ServeHTTP",
                "example.com/shop/internal/router/router.go",
            ),
            (
                "example.com/shop/internal/middleware.Recover.func1",
                "example.com/shop/internal/middleware/recover.go",
            ),
            (
                "example.com/shop/internal/middleware.Logging.func1",
                "example.com/shop/internal/middleware/logging.go",
            ),
            (
                "example.com/shop/internal/middleware.Auth.func1",
                "example.com/shop/internal/middleware/auth.go",
            ),
            ("net/http.HandlerFunc.ServeHTTP", "net/http/server.go"),
        ]);
        let grpc_server = file_path("google.golang.org/grpc", "server");
        let grpc = b.chain(&[
            (
                "google.golang.org/grpc.(*Server).serveStreams.func1.1",
                &grpc_server,
            ),
            (
                "google.golang.org/grpc.(*Server).handleStream",
                &grpc_server,
            ),
            (
                "google.golang.org/grpc.(*Server).processUnaryRPC",
                &grpc_server,
            ),
            (
                "example.com/shop/internal/rpc._Shop_Call_Handler",
                "example.com/shop/internal/rpc/shop_grpc.pb.go",
            ),
        ]);
        let worker = b.chain(&[
            (
                "example.com/shop/internal/queue.(*Pool).worker",
                "example.com/shop/internal/queue/pool.go",
            ),
            (
                "example.com/shop/internal/queue.(*Consumer).handle",
                "example.com/shop/internal/queue/consumer.go",
            ),
        ]);
        let main = b.chain(&[
            ("runtime.main", "runtime/proc.go"),
            ("main.main", "example.com/shop/cmd/shopd/main.go"),
            ("main.run", "example.com/shop/cmd/shopd/main.go"),
        ]);
        {
            let g = &mut b.functions[goexit as usize];
            g.callees = vec![http[0], grpc[0], worker[0]];
            g.indirect = true;
            g.alloc_sites = 0;
        }

        // The layered graph.
        let mut pkgs = packages();
        let store = pkgs
            .iter()
            .position(|p| p.path == "example.com/shop/internal/store")
            .expect("the hub's package is in the list");
        let mut levels: Vec<Vec<u32>> = Vec::new();
        for level in 0..LEVELS {
            let candidates: Vec<usize> = (0..pkgs.len())
                .filter(|&p| pkgs[p].levels.0 <= level && level <= pkgs[p].levels.1)
                .collect();
            let mut ids = Vec::new();
            for i in 0..level_width(level) {
                let hub = level == HUB_LEVEL && i == 0;
                let p = if hub {
                    store
                } else {
                    candidates[b.rng.below(candidates.len())]
                };
                let name = if hub {
                    HUB.to_string()
                } else {
                    b.name(&mut pkgs[p])
                };
                let file = b.file_of(&mut pkgs[p]);
                pkgs[p].funcs.push(name.clone());
                let id = b.add(name, file);
                let sites = 1 + usize::from(b.rng.f64() < 0.3) + usize::from(b.rng.f64() < 0.1);
                // Small functions get inlined: never closures, not the hub.
                let inlinable = level >= 2
                    && !hub
                    && b.rng.f64() < 0.12
                    && !b.functions[id as usize].name.contains(".func");
                let f = &mut b.functions[id as usize];
                f.alloc_sites = sites;
                f.inlinable = inlinable;
                ids.push(id);
            }
            levels.push(ids);
        }

        // Callees, from the deepest level up, so that an inlinable function
        // knows whether its callees inline further (at most three lines to a
        // location, as Go's inliner rarely goes deeper).
        for level in (0..LEVELS - 1).rev() {
            for &id in &levels[level] {
                let (inlinable, hub) = {
                    let f = &b.functions[id as usize];
                    (f.inlinable, f.name == HUB)
                };
                if !hub && level >= 20 && b.rng.f64() < 0.005 {
                    continue; // a pure leaf: calls nothing that allocates
                }
                let want = if inlinable {
                    1 + b.rng.below(2)
                } else if hub {
                    MAX_CALLEES
                } else {
                    (1 + b.rng.geometric(2.5)).min(MAX_CALLEES)
                };
                let mut callees: Vec<u32> = Vec::new();
                for _ in 0..want * 4 {
                    if callees.len() == want {
                        break;
                    }
                    let target = if level + 2 < LEVELS && b.rng.f64() < 0.05 {
                        level + 2
                    } else {
                        level + 1
                    };
                    let pool = &levels[target];
                    // Popular callees: u² leans to the front of the level.
                    let v = b.rng.f64();
                    let c = pool[((v * v) * pool.len() as f64) as usize];
                    let cf = &b.functions[c as usize];
                    let deep_inline = cf.inlinable
                        && cf
                            .callees
                            .iter()
                            .any(|&g| b.functions[g as usize].inlinable);
                    if callees.contains(&c) || (inlinable && deep_inline) {
                        continue;
                    }
                    callees.push(c);
                }
                // Recursion: tree walks, nested decoders.
                if !inlinable && level >= 3 && b.rng.f64() < 0.03 {
                    callees.push(id);
                }
                b.functions[id as usize].callees = callees;
            }
        }
        // Every function has a caller.
        let mut called = vec![false; b.functions.len()];
        for f in &b.functions {
            for &c in &f.callees {
                called[c as usize] = true;
            }
        }
        for level in 1..LEVELS {
            for &id in &levels[level] {
                if called[id as usize] {
                    continue;
                }
                let pool: Vec<u32> = levels[level - 1]
                    .iter()
                    .copied()
                    .filter(|&c| {
                        let f = &b.functions[c as usize];
                        !f.callees.is_empty() && !f.inlinable && f.callees.len() < MAX_CALLEES
                    })
                    .collect();
                if let Some(&caller) = pool.get(b.rng.below(pool.len().max(1))) {
                    b.functions[caller as usize].callees.push(id);
                }
            }
        }

        // The entry chains dispatch into the top levels.
        let dispatch = |b: &mut Builder, from: u32, level: &[u32], n: usize| {
            let f = &mut b.functions[from as usize];
            f.callees = level[..n.min(level.len())].to_vec();
            f.indirect = true;
            f.alloc_sites = 1;
        };
        dispatch(&mut b, *http.last().unwrap(), &levels[0], 60);
        dispatch(&mut b, *grpc.last().unwrap(), &levels[0], 25);
        dispatch(&mut b, *worker.last().unwrap(), &levels[1], 40);
        dispatch(&mut b, *main.last().unwrap(), &levels[2], 30);

        // Background: the runtime starting goroutines, and writing this very
        // profile (leaf first).
        let mut background = Vec::new();
        for frames in [
            &[
                ("runtime.malg", "runtime/proc.go"),
                ("runtime.newproc1", "runtime/proc.go"),
                ("runtime.newproc.func1", "runtime/proc.go"),
                ("runtime.systemstack", "runtime/asm_amd64.s"),
            ][..],
            &[
                (
                    "runtime/pprof.(*profileBuilder).emitLocation",
                    "runtime/pprof/proto.go",
                ),
                (
                    "runtime/pprof.(*profileBuilder).appendLocsForStack",
                    "runtime/pprof/proto.go",
                ),
                ("runtime/pprof.writeHeapProto", "runtime/pprof/protomem.go"),
                ("runtime/pprof.writeHeapInternal", "runtime/pprof/pprof.go"),
                ("runtime/pprof.writeHeap", "runtime/pprof/pprof.go"),
                (
                    "net/http/pprof.handler.ServeHTTP",
                    "net/http/pprof/pprof.go",
                ),
            ][..],
            &[
                ("bufio.NewWriterSize", "bufio/bufio.go"),
                (
                    "example.com/shop/internal/logging.New",
                    "example.com/shop/internal/logging/logging.go",
                ),
                ("main.run", ""),
                ("main.main", ""),
                ("runtime.main", ""),
            ][..],
        ] {
            let mut stack = Vec::new();
            for (i, (name, file)) in frames.iter().enumerate() {
                let id = match b.functions.iter().position(|f| f.name == *name) {
                    Some(id) => id as u32,
                    None => {
                        let f = b.file(file.to_string());
                        let id = b.add(name.to_string(), f);
                        b.functions[id as usize].alloc_sites = usize::from(i == 0);
                        id
                    }
                };
                stack.push(id);
            }
            // Each frame calls the one before it (leaf first).
            for w in stack.windows(2) {
                let caller = &mut b.functions[w[1] as usize];
                if !caller.callees.contains(&w[0]) {
                    caller.callees.push(w[0]);
                }
            }
            stack.reverse();
            background.push(stack);
        }

        // Sites, sizes and lines.
        for i in 0..b.functions.len() {
            let sizes: Vec<i64> = (0..b.functions[i].alloc_sites)
                .map(|_| {
                    if b.rng.f64() < 0.2 {
                        0
                    } else {
                        object_size(&mut b.rng)
                    }
                })
                .collect();
            let f = &mut b.functions[i];
            f.site_sizes = sizes;
            debug_assert!(f.call_sites() + f.alloc_sites <= MAX_SITES, "{}", f.name);
            let line = &mut b.file_lines[f.file];
            f.start_line = *line + 2 + b.rng.below(20) as i64;
            *line = f.start_line
                + 4
                + 3 * (f.call_sites() + f.alloc_sites) as i64
                + b.rng.below(30) as i64;
        }

        let chains = vec![
            Chain {
                weight: 0.70,
                frames: [&[goexit][..], &http].concat(),
            },
            Chain {
                weight: 0.12,
                frames: [&[goexit][..], &grpc].concat(),
            },
            Chain {
                weight: 0.13,
                frames: [&[goexit][..], &worker].concat(),
            },
            Chain {
                weight: 0.05,
                frames: main,
            },
        ];
        Program {
            functions: b.functions,
            files: b.files,
            chains,
            background,
            binary: "/usr/local/bin/shopd",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_fits_its_sites_in_a_digit_and_is_called() {
        let p = Program::build();
        let mut called = vec![false; p.functions.len()];
        for f in &p.functions {
            assert!(f.call_sites() + f.alloc_sites <= MAX_SITES, "{}", f.name);
            assert_eq!(f.site_sizes.len(), f.alloc_sites);
            for &c in &f.callees {
                called[c as usize] = true;
            }
        }
        let roots: Vec<&str> = p
            .functions
            .iter()
            .zip(&called)
            .filter(|(_, &c)| !c)
            .map(|(f, _)| f.name.as_str())
            .collect();
        assert_eq!(
            roots,
            [
                "runtime.goexit",
                "runtime.main",
                "runtime.systemstack",
                "net/http/pprof.handler.ServeHTTP"
            ]
        );
        assert_eq!(p.functions.iter().filter(|f| f.name == HUB).count(), 1);
        let names: HashSet<&str> = p.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names.len(), p.functions.len(), "names are unique");
    }
}
