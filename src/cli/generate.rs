//! What heapscope writes about itself from its clap definition: shell
//! completion scripts (`completions`) and manual pages (`man`).

use clap::Command;
use clap_complete::Shell;
use clap_mangen::Man;

/// The completion script of `cmd` for `shell`.
pub(super) fn completions(shell: Shell, cmd: &mut Command) -> Vec<u8> {
    let mut script = Vec::new();
    let name = cmd.get_name().to_string();
    clap_complete::generate(shell, cmd, name, &mut script);
    script
}

/// The roff pages of `cmd` and of each of its commands (`heapscope-top`, …),
/// one after the other.
pub(super) fn man(cmd: Command) -> Vec<u8> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    // Each page's footer names heapscope and its version, as the first does.
    let source = format!(
        "{} {}",
        cmd.get_name(),
        cmd.get_version().unwrap_or_default()
    );
    let mut pages = Vec::new();
    for page in std::iter::once(&cmd).chain(cmd.get_subcommands()) {
        Man::new(page.clone())
            .source(source.clone())
            .render(&mut pages)
            .expect("writing to memory cannot fail");
    }
    pages
}
