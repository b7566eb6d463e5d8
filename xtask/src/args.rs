//! A small command-line parser: `--flag` switches and `--key VALUE` (or `--key=VALUE`) options.
//!
//! Hand-written because the xtask takes a handful of options and should build in seconds.

use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Default)]
pub struct Args {
    flags: Vec<String>,
    values: BTreeMap<String, String>,
    /// Arguments that are not options, in order (only where the command takes them).
    pub operands: Vec<String>,
}

impl Args {
    /// Parses `argv` against the known switches and valued options; anything else is an error.
    pub fn parse(argv: &[String], flags: &[&str], valued: &[&str]) -> Result<Args, String> {
        Args::parse_with(argv, flags, valued, false)
    }

    /// [`Args::parse`] for a command that also takes operands (such as page paths); `--` ends
    /// the options, so an operand may start with `--`.
    pub fn parse_with_operands(argv: &[String], flags: &[&str], valued: &[&str]) -> Result<Args, String> {
        Args::parse_with(argv, flags, valued, true)
    }

    fn parse_with(argv: &[String], flags: &[&str], valued: &[&str], operands: bool) -> Result<Args, String> {
        let mut out = Args::default();
        let mut it = argv.iter();
        while let Some(a) = it.next() {
            if operands && a == "--" {
                out.operands.extend(it.by_ref().cloned());
                break;
            }
            let Some(name) = a.strip_prefix("--") else {
                if operands {
                    out.operands.push(a.clone());
                    continue;
                }
                return Err(format!("unexpected argument `{a}`"));
            };
            let (name, inline) = match name.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (name, None),
            };
            if flags.contains(&name) && inline.is_none() {
                out.flags.push(name.to_string());
            } else if valued.contains(&name) {
                let v = match inline {
                    Some(v) => v,
                    None => it.next().cloned().ok_or_else(|| format!("`--{name}` needs a value"))?,
                };
                if out.values.insert(name.to_string(), v).is_some() {
                    return Err(format!("`--{name}` is given twice"));
                }
            } else {
                return Err(format!("unknown option `--{name}`"));
            }
        }
        Ok(out)
    }

    pub fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn path(&self, name: &str) -> Option<PathBuf> {
        self.value(name).map(PathBuf::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(a: &[&str]) -> Result<Args, String> {
        let v: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        Args::parse(&v, &["check"], &["docs", "out"])
    }

    #[test]
    fn flags_and_values() {
        let a = parse(&["--check", "--docs", "d", "--out=o"]).unwrap();
        assert!(a.flag("check"));
        assert_eq!(a.value("docs"), Some("d"));
        assert_eq!(a.value("out"), Some("o"));
        assert!(parse(&["--nope"]).is_err());
        assert!(parse(&["--docs"]).is_err());
        assert!(parse(&["stray"]).is_err());
        assert!(parse(&["--docs", "a", "--docs", "b"]).is_err());
    }

    #[test]
    fn operands_only_where_taken() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let a =
            Args::parse_with_operands(&v(&["a.md", "--docs", "d", "b.md", "--", "--c.md"]), &[], &["docs"]).unwrap();
        assert_eq!(a.operands, ["a.md", "b.md", "--c.md"]);
        assert_eq!(a.value("docs"), Some("d"));
        assert!(Args::parse(&v(&["a.md"]), &[], &["docs"]).is_err());
    }
}
