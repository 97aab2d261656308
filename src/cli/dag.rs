//! `dag`: a scenario's graph, or a config's, as a picture (see [`crate::dag`]).

use super::args::DagArgs;
use super::context::Context;
use crate::BoxError;
use crate::dag::Dag;

pub(crate) fn run(cx: &mut Context<'_>, args: DagArgs) -> Result<(), BoxError> {
    let dag = match &args.scenario {
        Some(key) => {
            let scenario = cx.scenario(key)?;
            if args.statuses { Dag::of_scenario(&scenario)? } else { Dag::of(scenario.config()) }
        }
        None => Dag::of(&*cx.config(args.config_id.as_deref())?),
    };
    let picture = dag.render(args.format);
    match &args.out {
        Some(path) => std::fs::write(path, &picture)
            .map_err(|e| format!("cannot write the picture to `{}`: {e}", path.display()))?,
        None => cx.out().write_all(picture.as_bytes())?,
    }
    Ok(())
}
