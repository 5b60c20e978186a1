//! Shell completions and the manual page.

use assert_cmd::Command;

fn stdout(args: &[&str]) -> String {
    let out = Command::cargo_bin("eventstudy")
        .unwrap()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn completions_for_each_shell_know_the_commands_and_flags() {
    let bash = stdout(&["completions", "bash"]);
    assert!(bash.contains("_eventstudy()"), "{}", &bash[..200]);
    for word in ["run", "batch", "doctor", "--ticker", "--event-files"] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    // The script is valid bash.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eventstudy.bash");
    std::fs::write(&path, &bash).unwrap();
    if let Ok(status) = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .status()
    {
        assert!(status.success(), "bash -n rejects the completion script");
    }
    assert!(stdout(&["completions", "zsh"]).starts_with("#compdef eventstudy"));
    assert!(stdout(&["completions", "fish"]).contains("complete -c eventstudy"));
    assert!(stdout(&["completions", "powershell"]).contains("Register-ArgumentCompleter"));
    Command::cargo_bin("eventstudy")
        .unwrap()
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}

#[test]
fn the_man_page_is_roff_with_every_command() {
    let man = stdout(&["man"]);
    assert!(man.contains(".TH eventstudy 1"), "{}", &man[..200]);
    for word in ["run", "batch", "fetch", "doctor", "synthetic", "Exit codes"] {
        assert!(man.contains(word), "the man page lacks {word}");
    }
}
