//! Small pieces the rest of the crate shares: how outside text is written
//! ([`escape`]), where a report's bytes go ([`output`]), running two halves
//! of a job on two threads ([`parallel`]), Go's path helpers ([`paths`]) and
//! the local time pprof prints ([`time`]), the error a request that cannot
//! be carried out as asked gives ([`usage`]), and dense index types ([`id`]).

pub mod escape;
pub mod id;
pub mod output;
pub mod parallel;
pub mod paths;
pub mod time;
pub mod usage;
