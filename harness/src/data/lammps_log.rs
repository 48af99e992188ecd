//! LAMMPS log parsing: thermo tables, the `Loop time` line and the `Performance:` line, in the
//! formats of LAMMPS 2021 (`tau/day, timesteps/s`) and 2025 (`…, Matom-step/s`; metal units
//! print `ns/day, hours/ns`). The built-in engine writes the same layout.

use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct ThermoTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<f64>>,
    /// 1-based line of the `Step …` header.
    pub line: usize,
}

impl ThermoTable {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// `name` at the first and the last row.
    pub fn first_last(&self, name: &str) -> Option<(f64, f64)> {
        let c = self.column(name)?;
        Some((self.rows.first()?[c], self.rows.last()?[c]))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoopTime {
    pub seconds: f64,
    pub procs: u64,
    pub steps: u64,
    pub atoms: u64,
}

/// One `run` of a log.
#[derive(Debug, Clone, PartialEq)]
pub struct RunLog {
    pub thermo: ThermoTable,
    pub loop_time: LoopTime,
    /// `Performance:` figures by unit (`tau/day`, `timesteps/s`, `Matom-step/s`, …).
    pub performance: BTreeMap<String, f64>,
}

impl RunLog {
    pub fn timesteps_per_s(&self) -> f64 {
        self.performance.get("timesteps/s").copied().unwrap_or(self.loop_time.steps as f64 / self.loop_time.seconds)
    }

    /// Millions of atom-steps per second, printed by LAMMPS since 2022 and computed from the
    /// loop time for older logs.
    pub fn matom_steps_per_s(&self) -> f64 {
        let printed = [("Matom-step/s", 1.0), ("katom-step/s", 1e-3), ("Gatom-step/s", 1e3), ("atom-step/s", 1e-6)]
            .iter()
            .find_map(|(unit, scale)| self.performance.get(*unit).map(|v| v * scale));
        printed.unwrap_or(self.loop_time.atoms as f64 * self.loop_time.steps as f64 / self.loop_time.seconds / 1e6)
    }
}

/// Every completed run in `text`. `source` names the log in errors.
pub fn parse(source: &Path, text: &str) -> Result<Vec<RunLog>> {
    let mut runs = Vec::new();
    let mut table: Option<ThermoTable> = None;
    let mut pending: Option<(ThermoTable, LoopTime, usize)> = None;
    let mut in_rows = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        let at = |message: String| Error::at_line(source, line_no, message);
        if line.starts_with("ERROR") {
            return Err(at(format!("LAMMPS stopped: {line}")));
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"Step") && words.len() > 1 {
            if let Some((t, l, _)) = pending.take() {
                runs.push(RunLog { thermo: t, loop_time: l, performance: BTreeMap::new() });
            }
            table = Some(ThermoTable { columns: words.iter().map(|w| w.to_string()).collect(), rows: Vec::new(), line: line_no });
            in_rows = true;
            continue;
        }
        if let Some(rest) = line.strip_prefix("Loop time of ") {
            let Some(t) = table.take() else { return Err(at("'Loop time' line without a thermo table before it".into())) };
            if let Some((t, l, _)) = pending.take() {
                runs.push(RunLog { thermo: t, loop_time: l, performance: BTreeMap::new() });
            }
            pending = Some((t, loop_time(rest).ok_or_else(|| at(format!("cannot read the loop time line: '{line}'")))?, line_no));
            in_rows = false;
            continue;
        }
        if let Some(rest) = line.strip_prefix("Performance:") {
            let Some((t, l, _)) = pending.take() else { return Err(at("'Performance:' line without a 'Loop time' line before it".into())) };
            runs.push(RunLog { thermo: t, loop_time: l, performance: performance(rest).map_err(at)? });
            continue;
        }
        if in_rows {
            let Some(t) = table.as_mut() else { continue };
            if line.is_empty() || line.starts_with("WARNING") {
                continue;
            }
            let values: Option<Vec<f64>> = words.iter().map(|w| w.parse::<f64>().ok()).collect();
            match values {
                Some(values) if values.len() == t.columns.len() => t.rows.push(values),
                Some(values) => {
                    return Err(at(format!(
                        "thermo row has {} values for the {} columns of line {}",
                        values.len(),
                        t.columns.len(),
                        t.line
                    )))
                }
                // Other output between rows (e.g. a `run` in progress printing notices).
                None if t.rows.is_empty() => return Err(at(format!("expected a thermo row under line {}, found '{line}'", t.line))),
                None => in_rows = false,
            }
        }
    }
    if let Some((t, l, _)) = pending.take() {
        runs.push(RunLog { thermo: t, loop_time: l, performance: BTreeMap::new() });
    }
    if let Some(t) = table {
        let last = text.lines().count();
        return Err(Error::at_line(
            source,
            last.max(1),
            format!("the log ends inside the run whose thermo table starts at line {} (no 'Loop time' line): output cut short?", t.line),
        ));
    }
    if runs.is_empty() {
        return Err(Error::in_file(source, "no completed run (no thermo table with a 'Loop time' line)"));
    }
    Ok(runs)
}

/// `0.852877 on 1 procs for 100 steps with 32000 atoms`
fn loop_time(rest: &str) -> Option<LoopTime> {
    let w: Vec<&str> = rest.split_whitespace().collect();
    if w.len() < 8 || w[1] != "on" || w[3] != "procs" || w[4] != "for" || w[6] != "steps" || w[7] != "with" {
        return None;
    }
    let lt = LoopTime { seconds: w[0].parse().ok()?, procs: w[2].parse().ok()?, steps: w[5].parse().ok()?, atoms: w.get(8)?.parse().ok()? };
    (lt.seconds.is_finite() && lt.seconds >= 0.0).then_some(lt)
}

/// `11229.307 tau/day, 25.994 timesteps/s[, 3.752 Matom-step/s]` and the metal-units variant.
fn performance(rest: &str) -> std::result::Result<BTreeMap<String, f64>, String> {
    let mut figures = BTreeMap::new();
    for part in rest.split(',') {
        let mut words = part.split_whitespace();
        let (Some(value), Some(unit), None) = (words.next(), words.next(), words.next()) else {
            return Err(format!("cannot read '{}' in the Performance line (expected 'NUMBER UNIT')", part.trim()));
        };
        let value: f64 = value.parse().map_err(|_| format!("'{value}' in the Performance line is not a number"))?;
        figures.insert(unit.to_string(), value);
    }
    if figures.is_empty() {
        return Err("empty Performance line".to_string());
    }
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lammps").join(name)).unwrap()
    }

    #[test]
    fn reads_the_2021_logs() {
        let runs = parse(Path::new("log.lj"), &fixture("log.lj.debian-29Sep2021.precise")).unwrap();
        let run = &runs[0];
        assert_eq!(run.thermo.columns, ["Step", "Temp", "E_pair", "E_mol", "TotEng", "Press"]);
        assert_eq!(run.thermo.rows.len(), 3);
        assert_eq!(run.thermo.first_last("E_pair").unwrap().0, -6.77336805323422);
        assert_eq!(run.loop_time, LoopTime { seconds: 3.84708, procs: 1, steps: 100, atoms: 32000 });
        assert_eq!(run.performance.get("tau/day"), Some(&11229.307));
        assert_eq!(run.timesteps_per_s(), 25.994);
        assert!((run.matom_steps_per_s() - 32000.0 * 100.0 / 3.84708 / 1e6).abs() < 1e-12);
        let eam = parse(Path::new("log.eam"), &fixture("log.eam.debian-29Sep2021.precise")).unwrap();
        assert_eq!(eam[0].performance.get("ns/day"), Some(&4.442));
        assert_eq!(eam[0].performance.get("hours/ns"), Some(&5.403));
        assert_eq!(eam[0].thermo.first_last("Press").unwrap(), (18703.5733590787, 51322.8213110336));
        let serial = parse(Path::new("log.lj"), &fixture("log.lj.debian-29Sep2021.serial")).unwrap();
        assert_eq!(serial[0].thermo.first_last("TotEng").unwrap(), (-4.6134356, -4.6223613));
    }

    #[test]
    fn reads_the_2025_performance_lines() {
        let log = "   Step          Temp          E_pair         E_mol          TotEng         Press     \n\
                   \x20        0   1.44          -6.7733681      0             -4.6134356     -5.0197073    \n\
                   \x20      100   0.7574531     -5.7585055      0             -4.6223613      0.20726105   \n\
                   Loop time of 0.852877 on 1 procs for 100 steps with 32000 atoms\n\n\
                   Performance: 50652.077 tau/day, 117.250 timesteps/s, 3.752 Matom-step/s\n";
        let run = &parse(Path::new("lj-2025"), log).unwrap()[0];
        assert_eq!(run.matom_steps_per_s(), 3.752);
        assert_eq!(run.timesteps_per_s(), 117.25);
        let eam = "Step Temp E_pair E_mol TotEng Press\n0 1600 -113280 0 -106662.09 18703.573\n\
                   Loop time of 2.35 on 1 procs for 100 steps with 32000 atoms\n\
                   Performance: 18.387 ns/day, 1.305 hours/ns, 42.561 timesteps/s, 1.362 Matom-step/s\n";
        let run = &parse(Path::new("eam-2025"), eam).unwrap()[0];
        assert_eq!((run.performance["ns/day"], run.performance["hours/ns"], run.matom_steps_per_s()), (18.387, 1.305, 1.362));
    }

    #[test]
    fn damage_is_named_by_line() {
        let cases = [
            ("Step Temp\n0 1.44\n50 0.9\n", "log:3: the log ends inside the run whose thermo table starts at line 1"),
            ("Step Temp\n0 1.44 7\n", "log:2: thermo row has 3 values for the 2 columns of line 1"),
            ("Step Temp\n0 1.44\nLoop time of 1.0 on x procs\n", "log:3: cannot read the loop time line"),
            ("Step Temp\n0 1.44\nLoop time of 1 on 1 procs for 1 steps with 4 atoms\nPerformance: fast\n", "log:4: cannot read 'fast'"),
            ("LAMMPS\nERROR: Unknown command: pair_styl lj/cut 2.5 (src/input.cpp:232)\n", "log:2: LAMMPS stopped: ERROR: Unknown command"),
            ("nothing here\n", "log: no completed run"),
            ("Step Temp\nabc\n", "log:2: expected a thermo row under line 1"),
        ];
        for (text, expected) in cases {
            let err = parse(Path::new("log"), text).unwrap_err();
            assert!(err.message().starts_with(expected), "{text:?}: {err}");
        }
    }
}
