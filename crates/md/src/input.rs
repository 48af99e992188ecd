//! The subset of the LAMMPS input language the built-in engine runs: enough for the classic
//! Lennard-Jones benchmark (`in.lj`) and its size scaling through `-var`. Anything else is an
//! error naming the line, so a workload is never silently run differently from LAMMPS.

use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    Uniform,
    Gaussian,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VelocitySpec {
    pub temperature: f64,
    pub seed: u64,
    pub distribution: Distribution,
    /// Remove the net momentum before scaling (LAMMPS `mom yes`, the default).
    pub zero_momentum: bool,
}

/// Everything a run of the built-in engine needs, read from an input script.
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    pub source: PathBuf,
    /// fcc lattice constant in box units.
    pub lattice_constant: f64,
    /// Box bounds in lattice units: `[lo, hi]` per dimension.
    pub region: [[f64; 2]; 3],
    pub mass: f64,
    pub velocity: VelocitySpec,
    pub epsilon: f64,
    pub sigma: f64,
    pub cutoff: f64,
    pub skin: f64,
    pub neighbor_every: u64,
    pub neighbor_delay: u64,
    pub neighbor_check: bool,
    pub thermo_every: u64,
    /// Extensive thermo quantities divided by the atom count (LAMMPS's default for `lj` units).
    pub thermo_norm: bool,
    pub timestep: f64,
    pub steps: u64,
}

/// Reads `path` with `-var NAME VALUE` overrides, as `lmp -in path -var …` would.
pub fn read(path: &Path, vars: &BTreeMap<String, String>) -> Result<Setup> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::in_file(path, e))?;
    parse(path, &text, vars)
}

#[derive(Default)]
struct Partial {
    units_lj: bool,
    lattice: Option<f64>,
    regions: BTreeMap<String, [[f64; 2]; 3]>,
    boxed: Option<[[f64; 2]; 3]>,
    atoms_created: bool,
    mass: Option<f64>,
    velocity: Option<VelocitySpec>,
    pair_cutoff: Option<f64>,
    coeff: Option<(f64, f64, f64)>,
    skin: Option<f64>,
    every: u64,
    delay: u64,
    check: bool,
    nve: bool,
    thermo: u64,
    norm: Option<bool>,
    timestep: Option<f64>,
    run: Option<(u64, usize)>,
}

enum Variable {
    Index(String),
    Equal(String),
}

pub fn parse(path: &Path, text: &str, overrides: &BTreeMap<String, String>) -> Result<Setup> {
    let mut vars: BTreeMap<String, Variable> = overrides.iter().map(|(k, v)| (k.clone(), Variable::Index(v.clone()))).collect();
    let mut p = Partial { every: 1, delay: 0, check: true, ..Default::default() };
    for (line_no, raw) in logical_lines(text) {
        let at = |message: String| Error::at_line(path, line_no, message);
        let line = substitute(&raw, &vars).map_err(at)?;
        let words: Vec<&str> = strip_comment(&line).split_whitespace().collect();
        let Some((&command, args)) = words.split_first() else { continue };
        if p.run.is_some() {
            return Err(at(format!("`{command}` after `run`: the built-in engine runs one `run` per input")));
        }
        let num = |i: usize| -> Result<f64> {
            let word = args.get(i).ok_or_else(|| at(format!("`{command}` needs more arguments")))?;
            word.parse::<f64>().map_err(|_| at(format!("`{command}`: '{word}' is not a number")))
        };
        let int = |i: usize| -> Result<u64> {
            let word = args.get(i).ok_or_else(|| at(format!("`{command}` needs more arguments")))?;
            word.parse::<u64>().map_err(|_| at(format!("`{command}`: '{word}' is not a non-negative integer")))
        };
        let unsupported =
            |what: String| at(format!("the built-in engine does not support {what}; run this workload with the lammps system"));
        match command {
            "variable" => {
                let (Some(name), Some(style)) = (args.first(), args.get(1)) else {
                    return Err(at("`variable` needs a name, a style and a value".into()));
                };
                let value = args[2..].join(" ");
                if value.is_empty() {
                    return Err(at(format!("variable {name} has no value")));
                }
                match *style {
                    // As in LAMMPS, an index variable set on the command line wins.
                    "index" => {
                        vars.entry(name.to_string()).or_insert(Variable::Index(args[2].to_string()));
                    }
                    "equal" => {
                        vars.insert(name.to_string(), Variable::Equal(value));
                    }
                    other => return Err(unsupported(format!("variable style '{other}'"))),
                }
            }
            "units" => match args.first().copied() {
                Some("lj") => p.units_lj = true,
                Some(other) => return Err(unsupported(format!("`units {other}` (only lj)"))),
                None => return Err(at("`units` needs a style".into())),
            },
            "atom_style" if args.first() == Some(&"atomic") => {}
            "dimension" if args.first() == Some(&"3") => {}
            "boundary" if args == ["p", "p", "p"] => {}
            "lattice" => match args.first().copied() {
                Some("fcc") => {
                    let scale = num(1)?;
                    if !p.units_lj {
                        return Err(at("`lattice` before `units lj`".into()));
                    }
                    if scale <= 0.0 {
                        return Err(at("lattice density must be positive".into()));
                    }
                    // In lj units the scale is a reduced density: 4 atoms per cubic cell.
                    p.lattice = Some((4.0 / scale).cbrt());
                }
                Some(other) => return Err(unsupported(format!("lattice style '{other}' (only fcc)"))),
                None => return Err(at("`lattice` needs a style".into())),
            },
            "region" => {
                let name = args.first().ok_or_else(|| at("`region` needs an id".into()))?;
                if args.get(1) != Some(&"block") {
                    return Err(unsupported(format!("region style '{}' (only block)", args.get(1).unwrap_or(&""))));
                }
                if args.len() > 8 {
                    return Err(unsupported(format!("region options '{}'", args[8..].join(" "))));
                }
                let mut bounds = [[0.0; 2]; 3];
                for (d, bound) in bounds.iter_mut().enumerate() {
                    *bound = [num(2 + 2 * d)?, num(3 + 2 * d)?];
                    if bound[1] <= bound[0] {
                        return Err(at(format!("region {name}: upper bound must exceed lower bound")));
                    }
                }
                p.regions.insert(name.to_string(), bounds);
            }
            "create_box" => {
                let region = args.get(1).ok_or_else(|| at("`create_box` needs a type count and a region".into()))?;
                if args[0] != "1" {
                    return Err(unsupported("more than one atom type".into()));
                }
                p.boxed = Some(*p.regions.get(*region).ok_or_else(|| at(format!("no region '{region}'")))?);
            }
            "create_atoms" => {
                if p.boxed.is_none() || p.lattice.is_none() {
                    return Err(at("`create_atoms` needs a lattice and a box first".into()));
                }
                if args != ["1", "box"] {
                    return Err(unsupported(format!("`create_atoms {}` (only `create_atoms 1 box`)", args.join(" "))));
                }
                p.atoms_created = true;
            }
            "mass" if matches!(args.first(), Some(&"1") | Some(&"*")) => p.mass = Some(num(1)?),
            "velocity" => p.velocity = Some(velocity(args, &at, &num, &int)?),
            "pair_style" => match args.first().copied() {
                Some("lj/cut") => p.pair_cutoff = Some(num(1)?),
                Some(other) => return Err(unsupported(format!("pair_style {other} (only lj/cut)"))),
                None => return Err(at("`pair_style` needs a style".into())),
            },
            "pair_coeff" => {
                if !matches!(args.first(), Some(&"1") | Some(&"*")) || !matches!(args.get(1), Some(&"1") | Some(&"*")) {
                    return Err(unsupported("pair coefficients for more than one atom type".into()));
                }
                let cutoff =
                    if args.len() > 4 { num(4)? } else { p.pair_cutoff.ok_or_else(|| at("`pair_coeff` before `pair_style`".into()))? };
                p.coeff = Some((num(2)?, num(3)?, cutoff));
            }
            "neighbor" => {
                p.skin = Some(num(0)?);
                if args.get(1).is_some_and(|s| *s != "bin" && *s != "nsq") {
                    return Err(at(format!("unknown neighbor style '{}'", args[1])));
                }
            }
            "neigh_modify" => {
                let mut i = 0;
                while i < args.len() {
                    match args[i] {
                        "every" => p.every = int(i + 1)?.max(1),
                        "delay" => p.delay = int(i + 1)?,
                        "check" => {
                            p.check = match args.get(i + 1).copied() {
                                Some("yes") => true,
                                Some("no") => false,
                                _ => return Err(at("`neigh_modify check` takes yes or no".into())),
                            }
                        }
                        other => return Err(unsupported(format!("neigh_modify option '{other}'"))),
                    }
                    i += 2;
                }
            }
            "fix" => {
                if args.get(1) != Some(&"all") || args.get(2) != Some(&"nve") || args.len() != 3 {
                    return Err(unsupported(format!("`fix {}` (only `fix ID all nve`)", args.join(" "))));
                }
                p.nve = true;
            }
            "thermo" => p.thermo = int(0)?,
            "thermo_modify" => {
                let mut i = 0;
                while i < args.len() {
                    match args[i] {
                        "norm" => p.norm = Some(args.get(i + 1) == Some(&"yes")),
                        // Output formatting only: the engine always prints full precision.
                        "format" => i += 1,
                        other => return Err(unsupported(format!("thermo_modify option '{other}'"))),
                    }
                    i += 2;
                }
            }
            "timestep" => p.timestep = Some(num(0)?),
            "run" => p.run = Some((int(0)?, line_no)),
            other => return Err(unsupported(format!("`{}`", [other].iter().chain(args).copied().collect::<Vec<_>>().join(" ")))),
        }
    }
    finish(path, p)
}

fn velocity(
    args: &[&str],
    at: &dyn Fn(String) -> Error,
    num: &dyn Fn(usize) -> Result<f64>,
    int: &dyn Fn(usize) -> Result<u64>,
) -> Result<VelocitySpec> {
    if args.first() != Some(&"all") || args.get(1) != Some(&"create") {
        return Err(at("the built-in engine supports only `velocity all create T SEED …`".into()));
    }
    let mut spec = VelocitySpec { temperature: num(2)?, seed: int(3)?, distribution: Distribution::Uniform, zero_momentum: true };
    let mut i = 4;
    while i < args.len() {
        let value = args.get(i + 1).copied().unwrap_or("");
        match (args[i], value) {
            ("dist", "uniform") => spec.distribution = Distribution::Uniform,
            ("dist", "gaussian") => spec.distribution = Distribution::Gaussian,
            // Every atom gets its own draw from one seeded stream: the same on any thread count,
            // which is what `loop geom` promises.
            ("loop", "geom" | "all" | "local") => {}
            ("mom", "yes") => spec.zero_momentum = true,
            ("mom", "no") => spec.zero_momentum = false,
            ("rot", "no") | ("sum", "no") => {}
            (key, value) => return Err(at(format!("velocity option `{key} {value}` is not supported by the built-in engine"))),
        }
        i += 2;
    }
    Ok(spec)
}

fn finish(path: &Path, p: Partial) -> Result<Setup> {
    let missing = |what: &str| Error::in_file(path, format!("input never sets {what}"));
    let (steps, _) = p.run.ok_or_else(|| missing("`run`"))?;
    if !p.atoms_created {
        return Err(missing("`create_atoms`"));
    }
    if !p.nve {
        return Err(missing("`fix … nve` (without an integrator nothing moves)"));
    }
    let (epsilon, sigma, cutoff) = p.coeff.ok_or_else(|| missing("`pair_coeff`"))?;
    Ok(Setup {
        source: path.to_path_buf(),
        lattice_constant: p.lattice.ok_or_else(|| missing("`lattice`"))?,
        region: p.boxed.ok_or_else(|| missing("`create_box`"))?,
        mass: p.mass.ok_or_else(|| missing("`mass`"))?,
        velocity: p.velocity.ok_or_else(|| missing("`velocity all create`"))?,
        epsilon,
        sigma,
        cutoff,
        // LAMMPS's defaults for lj units.
        skin: p.skin.unwrap_or(0.3),
        neighbor_every: p.every,
        neighbor_delay: p.delay,
        neighbor_check: p.check,
        thermo_every: p.thermo,
        thermo_norm: p.norm.unwrap_or(true),
        timestep: p.timestep.unwrap_or(0.005),
        steps,
    })
}

/// Lines joined across trailing `&`, each with the 1-based number of its first physical line.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let (start, mut joined) = pending.take().unwrap_or((i + 1, String::new()));
        let trimmed = line.trim_end();
        if let Some(head) = trimmed.strip_suffix('&') {
            joined.push_str(head);
            joined.push(' ');
            pending = Some((start, joined));
        } else {
            joined.push_str(trimmed);
            out.push((start, joined));
        }
    }
    out.extend(pending);
    out
}

fn strip_comment(line: &str) -> &str {
    line.split('#').next().unwrap_or("")
}

/// Replaces `$x`, `${name}` and `$(expression)` as LAMMPS does before running a line.
fn substitute(line: &str, vars: &BTreeMap<String, Variable>) -> std::result::Result<String, String> {
    let line = strip_comment(line);
    let mut out = String::with_capacity(line.len());
    let mut chars = line.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let value = match chars.next() {
            Some((_, '{')) => {
                let name: String = chars.by_ref().map(|(_, c)| c).take_while(|&c| c != '}').collect();
                lookup(&name, vars)?
            }
            Some((_, '(')) => {
                let mut depth = 1;
                let mut expr = String::new();
                for (_, c) in chars.by_ref() {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    if depth == 0 {
                        break;
                    }
                    expr.push(c);
                }
                format_number(evaluate(&expr, vars)?)
            }
            Some((_, name)) => lookup(&name.to_string(), vars)?,
            None => return Err("a lone '$' ends the line".to_string()),
        };
        out.push_str(&value);
    }
    Ok(out)
}

fn lookup(name: &str, vars: &BTreeMap<String, Variable>) -> std::result::Result<String, String> {
    match vars.get(name) {
        Some(Variable::Index(value)) => Ok(value.clone()),
        Some(Variable::Equal(expr)) => Ok(format_number(evaluate(expr, vars)?)),
        None => Err(format!("variable '{name}' is not defined")),
    }
}

/// Numbers as LAMMPS prints equal-style variables: integral values without a fraction.
fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// Arithmetic of equal-style variables: numbers, `v_name`, + - * / ^ and parentheses.
fn evaluate(expr: &str, vars: &BTreeMap<String, Variable>) -> std::result::Result<f64, String> {
    struct Parser<'a> {
        tokens: Vec<String>,
        pos: usize,
        vars: &'a BTreeMap<String, Variable>,
    }
    impl Parser<'_> {
        fn peek(&self) -> Option<&str> {
            self.tokens.get(self.pos).map(String::as_str)
        }
        fn sum(&mut self) -> std::result::Result<f64, String> {
            let mut value = self.product()?;
            while let Some(op @ ("+" | "-")) = self.peek() {
                let add = op == "+";
                self.pos += 1;
                let rhs = self.product()?;
                value = if add { value + rhs } else { value - rhs };
            }
            Ok(value)
        }
        fn product(&mut self) -> std::result::Result<f64, String> {
            let mut value = self.power()?;
            while let Some(op @ ("*" | "/")) = self.peek() {
                let mul = op == "*";
                self.pos += 1;
                let rhs = self.power()?;
                value = if mul { value * rhs } else { value / rhs };
            }
            Ok(value)
        }
        fn power(&mut self) -> std::result::Result<f64, String> {
            let base = self.unary()?;
            if self.peek() == Some("^") {
                self.pos += 1;
                return Ok(base.powf(self.power()?));
            }
            Ok(base)
        }
        fn unary(&mut self) -> std::result::Result<f64, String> {
            match self.peek() {
                Some("-") => {
                    self.pos += 1;
                    Ok(-self.unary()?)
                }
                Some("(") => {
                    self.pos += 1;
                    let value = self.sum()?;
                    if self.peek() != Some(")") {
                        return Err("unbalanced parentheses".to_string());
                    }
                    self.pos += 1;
                    Ok(value)
                }
                Some(token) => {
                    let token = token.to_string();
                    self.pos += 1;
                    if let Some(name) = token.strip_prefix("v_") {
                        return lookup(name, self.vars)?.parse().map_err(|_| format!("variable '{name}' is not a number"));
                    }
                    token.parse().map_err(|_| format!("cannot evaluate '{token}'"))
                }
                None => Err("expression ends early".to_string()),
            }
        }
    }
    let mut tokens = Vec::new();
    let mut current = String::new();
    for c in expr.chars() {
        if "+-*/^()".contains(c)
            && !(matches!(c, '+' | '-') && current.ends_with(['e', 'E']) && current.starts_with(|d: char| d.is_ascii_digit()))
        {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
            tokens.push(c.to_string());
        } else if c.is_whitespace() {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    let mut parser = Parser { tokens, pos: 0, vars };
    let value = parser.sum().map_err(|e| format!("in '{expr}': {e}"))?;
    if parser.pos != parser.tokens.len() {
        return Err(format!("in '{expr}': unexpected '{}'", parser.tokens[parser.pos]));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const IN_LJ: &str = include_str!("../../../datasets/lammps-bench/in.lj");

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn reads_the_lj_benchmark_and_its_size_scaling() {
        let setup = parse(Path::new("in.lj"), IN_LJ, &BTreeMap::new()).unwrap();
        assert_eq!(setup.region, [[0.0, 20.0]; 3]);
        assert!((setup.lattice_constant - 1.6795962).abs() < 1e-7);
        assert_eq!((setup.cutoff, setup.skin, setup.neighbor_every, setup.neighbor_check), (2.5, 0.3, 20, false));
        assert_eq!((setup.steps, setup.thermo_every, setup.timestep), (100, 50, 0.005));
        assert_eq!(setup.velocity.seed, 87287);
        let half = parse(Path::new("in.lj"), IN_LJ, &vars(&[("x", "0.5"), ("y", "0.5"), ("z", "1.5")])).unwrap();
        assert_eq!(half.region, [[0.0, 10.0], [0.0, 10.0], [0.0, 30.0]]);
    }

    #[test]
    fn anything_else_names_its_line() {
        let eam = "units metal\nlattice fcc 3.615\n";
        let err = parse(Path::new("in.eam"), eam, &BTreeMap::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "in.eam:1: the built-in engine does not support `units metal` (only lj); run this workload with the lammps system"
        );
        let err = parse(Path::new("in.x"), "variable a equal 2*$b\n", &BTreeMap::new()).unwrap_err();
        assert_eq!(err.to_string(), "in.x:1: variable 'b' is not defined");
        let err = parse(Path::new("in.x"), "units lj\n\n", &BTreeMap::new()).unwrap_err();
        assert_eq!(err.to_string(), "in.x: input never sets `run`");
    }

    #[test]
    fn expressions_follow_arithmetic_precedence() {
        let vars = BTreeMap::from([("a".to_string(), Variable::Index("3".to_string()))]);
        assert_eq!(evaluate("2+3*4", &vars).unwrap(), 14.0);
        assert_eq!(evaluate("(2+3)*4", &vars).unwrap(), 20.0);
        assert_eq!(evaluate("2^3-1", &vars).unwrap(), 7.0);
        assert_eq!(evaluate("20*v_a/2", &vars).unwrap(), 30.0);
        assert_eq!(evaluate("1e-3*1000", &vars).unwrap(), 1.0);
        assert!(evaluate("2*(3", &vars).is_err());
        assert_eq!(substitute("block 0 $(2*v_a) 0 ${a}", &vars).unwrap(), "block 0 6 0 3");
    }
}
