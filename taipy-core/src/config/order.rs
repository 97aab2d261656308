//! The task graph's algorithms, on task indices: an order where producers come first, and one
//! cycle named as a path. Both are linear in tasks and edges and use no recursion, so a chain of
//! any length fits the stack.
//!
//! A graph is given as `upstream[t]`: the tasks producing what task `t` reads.

/// Kahn's algorithm: the tasks in an order where each comes after those it reads from; on a
/// cycle, the tasks along one cycle (see [`find_cycle`]).
pub(crate) fn topological_order(upstream: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    let count = upstream.len();
    let mut remaining: Vec<usize> = upstream.iter().map(Vec::len).collect();
    let mut downstream = vec![Vec::new(); count];
    for (t, ups) in upstream.iter().enumerate() {
        for &u in ups {
            downstream[u].push(t);
        }
    }
    let mut ready: Vec<usize> = (0..count).filter(|&t| remaining[t] == 0).rev().collect();
    let mut order = Vec::with_capacity(count);
    while let Some(t) = ready.pop() {
        order.push(t);
        for &d in downstream[t].iter().rev() {
            remaining[d] -= 1;
            if remaining[d] == 0 {
                ready.push(d);
            }
        }
    }
    if order.len() == count {
        return Ok(order);
    }
    Err(find_cycle(upstream).expect("tasks left unordered lie on or after a cycle"))
}

/// One cycle of the graph, if it has one: the tasks along it in the direction data flows (each
/// task writes what the next one reads), its first task repeated at the end.
///
/// A depth-first search over upstream edges, from each task in index order, edges in their
/// order; the cycle is the one closed first, named from the task that closes it. Each task and
/// edge is visited once.
pub(crate) fn find_cycle(upstream: &[Vec<usize>]) -> Option<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    const DONE: usize = usize::MAX - 1;
    // For each task: UNSEEN, DONE, or its position on the current path.
    let mut state = vec![UNSEEN; upstream.len()];
    // The current path, from the start task upstream, with the next edge to follow from each.
    let mut path: Vec<(usize, usize)> = Vec::new();
    for start in 0..upstream.len() {
        if state[start] != UNSEEN {
            continue;
        }
        state[start] = 0;
        path.push((start, 0));
        while let Some(&mut (t, ref mut next)) = path.last_mut() {
            let Some(&u) = upstream[t].get(*next) else {
                state[t] = DONE;
                path.pop();
                continue;
            };
            *next += 1;
            match state[u] {
                UNSEEN => {
                    state[u] = path.len();
                    path.push((u, 0));
                }
                DONE => {}
                at => {
                    // `u` is on the path: the path from `u` on walks the cycle upstream.
                    let mut cycle = vec![u];
                    cycle.extend(path[at + 1..].iter().rev().map(|&(t, _)| t));
                    cycle.push(u);
                    return Some(cycle);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_puts_producers_first() {
        // 0 reads 2, 2 reads 1.
        assert_eq!(topological_order(&[vec![2], vec![], vec![1]]), Ok(vec![1, 2, 0]));
    }

    #[test]
    fn a_cycle_is_a_path_in_the_direction_data_flows() {
        // 0 reads 3, 1 reads 0, 2 reads 1, 3 reads 2: 0 -> 1 -> 2 -> 3 -> 0.
        let upstream = [vec![3], vec![0], vec![1], vec![2]];
        assert_eq!(find_cycle(&upstream), Some(vec![0, 1, 2, 3, 0]));
        assert_eq!(topological_order(&upstream), Err(vec![0, 1, 2, 3, 0]));
        // A task reading itself.
        assert_eq!(find_cycle(&[vec![], vec![1]]), Some(vec![1, 1]));
        // A cycle reached from a task outside it is named from where it closes.
        assert_eq!(find_cycle(&[vec![1], vec![2], vec![1]]), Some(vec![1, 2, 1]));
        assert_eq!(find_cycle(&[vec![], vec![0], vec![0, 1]]), None);
    }

    #[test]
    fn long_chains_fit_the_stack() {
        let n = 200_000;
        // Task t reads t + 1: the search walks the whole chain from task 0.
        let mut upstream: Vec<Vec<usize>> =
            (0..n).map(|t| if t + 1 < n { vec![t + 1] } else { vec![] }).collect();
        assert_eq!(find_cycle(&upstream), None);
        assert_eq!(topological_order(&upstream).unwrap()[0], n - 1);
        upstream[n - 1].push(0);
        let cycle = find_cycle(&upstream).unwrap();
        assert_eq!(cycle.len(), n + 1);
        assert_eq!((cycle[0], cycle[1], cycle[n]), (0, n - 1, 0));
    }
}
