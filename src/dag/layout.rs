//! A layered (Sugiyama-style) layout, left to right, for the SVG: boxes in columns, edges as
//! curves between them. Every step is near-linear in the graph's size, so a scenario of
//! thousands of tasks is laid out in well under a second.
//!
//! 1. Layers: the longest path from the sources; then each source (a parameter) moves right,
//!    next to the first task reading it, so parameters sit beside their readers.
//! 2. An edge spanning several layers goes through a thin placeholder in each layer between,
//!    so it runs between boxes instead of across them.
//! 3. Order within a layer: barycentre sweeps (each vertex at the mean position of its
//!    neighbours in the layer before, then after), keeping the order with the fewest crossings.
//! 4. Vertical positions: each vertex pulled toward the mean height of its neighbours, then the
//!    layer's order and spacing restored by least squares (pool-adjacent-violators).
//! 5. Columns as wide as their widest box; an edge leaves its box on the right and enters on the
//!    left, ports spread along the side in the order of the other ends.

/// Horizontal space between columns, and vertical space between boxes of one column.
const COLUMN_GAP: f64 = 56.0;
const ROW_GAP: f64 = 18.0;
/// The height a passing edge takes in a column, and its space to what is next to it.
const PASSING_HEIGHT: f64 = 2.0;
const PASSING_GAP: f64 = 10.0;
/// Rounds of the ordering and of the vertical placement.
const ORDER_SWEEPS: usize = 12;
const PLACE_SWEEPS: usize = 16;

/// A box to place: its width and height.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Size {
    pub(super) w: f64,
    pub(super) h: f64,
}

/// A placed box: top-left corner and size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Rect {
    pub(super) x: f64,
    pub(super) y: f64,
    pub(super) w: f64,
    pub(super) h: f64,
}

/// A point of the drawing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Point {
    pub(super) x: f64,
    pub(super) y: f64,
}

/// The laid-out graph: a box per vertex, and per edge the points it passes, in pairs: each
/// pair `(p[2k], p[2k+1])` crosses the gap between two columns (draw it as a curve), each
/// `(p[2k+1], p[2k+2])` passes straight through a column.
#[derive(Clone, Debug)]
pub(super) struct Layout {
    pub(super) boxes: Vec<Rect>,
    pub(super) edges: Vec<Vec<Point>>,
    pub(super) width: f64,
    pub(super) height: f64,
}

/// A vertex of the layered graph: a box, or a placeholder of an edge passing a layer.
#[derive(Clone, Copy, Debug)]
struct Vertex {
    layer: usize,
    size: Size,
    passing: bool,
}

/// Lays out boxes of `sizes` joined by `edges` (from, to), which must form no cycle (an edge
/// closing one is drawn backwards, not followed).
pub(super) fn lay_out(sizes: &[Size], edges: &[(usize, usize)]) -> Layout {
    let layer = layers(sizes.len(), edges);
    let mut vertices: Vec<Vertex> =
        sizes.iter().zip(&layer).map(|(&size, &layer)| Vertex { layer, size, passing: false }).collect();
    // Each edge as the chain of vertices it passes; long edges get placeholders.
    let chains: Vec<Vec<usize>> = edges
        .iter()
        .map(|&(from, to)| {
            let mut chain = vec![from];
            for l in layer[from] + 1..layer[to] {
                vertices.push(Vertex { layer: l, size: Size { w: 0.0, h: PASSING_HEIGHT }, passing: true });
                chain.push(vertices.len() - 1);
            }
            chain.push(to);
            chain
        })
        .collect();
    let (up, down) = adjacency(vertices.len(), &chains);
    let rows = order(&vertices, &up, &down);
    let centres = place(&vertices, &rows, &up, &down);

    let columns = rows.len();
    let mut column_x = vec![0.0; columns + 1];
    let mut column_w = vec![0.0f64; columns];
    for v in &vertices {
        column_w[v.layer] = column_w[v.layer].max(v.size.w);
    }
    for l in 0..columns {
        column_x[l + 1] = column_x[l] + column_w[l] + COLUMN_GAP;
    }
    let rect = |v: usize| {
        let Vertex { layer, size, .. } = vertices[v];
        let x = column_x[layer] + (column_w[layer] - size.w) / 2.0;
        Rect { x, y: centres[v] - size.h / 2.0, w: size.w, h: size.h }
    };
    let boxes: Vec<Rect> = (0..sizes.len()).map(rect).collect();
    let ports = Ports::new(&chains, &centres, &boxes);
    let edges = chains
        .iter()
        .enumerate()
        .map(|(e, chain)| {
            let (first, last) = (chain[0], chain[chain.len() - 1]);
            let mut points = vec![Point { x: boxes[first].x + boxes[first].w, y: ports.out[e] }];
            for &p in &chain[1..chain.len() - 1] {
                let l = vertices[p].layer;
                points.push(Point { x: column_x[l], y: centres[p] });
                points.push(Point { x: column_x[l] + column_w[l], y: centres[p] });
            }
            points.push(Point { x: boxes[last].x, y: ports.into[e] });
            points
        })
        .collect();
    let height = boxes.iter().map(|b| b.y + b.h).chain(centres.iter().copied()).fold(0.0, f64::max);
    Layout { boxes, edges, width: (column_x[columns] - COLUMN_GAP).max(0.0), height }
}

/// Each vertex's layer: the longest path from a source, then sources moved next to their
/// first reader.
fn layers(n: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut succs = vec![Vec::new(); n];
    let mut indegree = vec![0usize; n];
    for &(from, to) in edges {
        succs[from].push(to);
        indegree[to] += 1;
    }
    // Kahn's order; vertices on a cycle (never from a validated config) come last.
    let mut order: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    let mut next = 0;
    while next < order.len() {
        for &s in &succs[order[next]] {
            indegree[s] -= 1;
            if indegree[s] == 0 {
                order.push(s);
            }
        }
        next += 1;
    }
    let mut seen = vec![false; n];
    order.iter().for_each(|&v| seen[v] = true);
    order.extend((0..n).filter(|&v| !seen[v]));

    let mut layer = vec![0usize; n];
    let mut has_pred = vec![false; n];
    for &v in &order {
        for &s in &succs[v] {
            has_pred[s] = true;
            layer[s] = layer[s].max(layer[v] + 1);
        }
    }
    for v in 0..n {
        if !has_pred[v]
            && let Some(first_reader) = succs[v].iter().map(|&s| layer[s]).min()
        {
            layer[v] = layer[v].max(first_reader.saturating_sub(1));
        }
    }
    layer
}

/// For each vertex, its neighbours in the layer before (`up`) and after (`down`).
fn adjacency(n: usize, chains: &[Vec<usize>]) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let mut up = vec![Vec::new(); n];
    let mut down = vec![Vec::new(); n];
    for pair in chains.iter().flat_map(|c| c.windows(2)) {
        down[pair[0]].push(pair[1]);
        up[pair[1]].push(pair[0]);
    }
    (up, down)
}

/// The vertices of each layer, top to bottom, with few crossings.
fn order(vertices: &[Vertex], up: &[Vec<usize>], down: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let layers = vertices.iter().map(|v| v.layer + 1).max().unwrap_or(0);
    let mut rows = vec![Vec::new(); layers];
    for (v, vertex) in vertices.iter().enumerate() {
        rows[vertex.layer].push(v);
    }
    let mut position = vec![0.0; vertices.len()];
    let mut best = (crossings(&rows, down), rows.clone());
    for sweep in 0..ORDER_SWEEPS {
        let downward = sweep % 2 == 0;
        let sequence: Vec<usize> =
            if downward { (1..layers).collect() } else { (0..layers.saturating_sub(1)).rev().collect() };
        for l in sequence {
            let (neighbours, other) = if downward { (up, l - 1) } else { (down, l + 1) };
            for (i, &v) in rows[other].iter().enumerate() {
                position[v] = i as f64;
            }
            let keys: Vec<(f64, usize)> = rows[l]
                .iter()
                .enumerate()
                .map(|(i, &v)| (mean(neighbours[v].iter().map(|&n| position[n])).unwrap_or(i as f64), v))
                .collect();
            let mut keys = keys;
            keys.sort_by(|a, b| a.0.total_cmp(&b.0));
            rows[l] = keys.into_iter().map(|(_, v)| v).collect();
        }
        let count = crossings(&rows, down);
        if count < best.0 {
            best = (count, rows.clone());
        }
    }
    best.1
}

/// The number of edge crossings between consecutive layers (inversions, counted with a
/// Fenwick tree).
fn crossings(rows: &[Vec<usize>], down: &[Vec<usize>]) -> usize {
    let mut index = vec![0; down.len()];
    for row in rows {
        for (i, &v) in row.iter().enumerate() {
            index[v] = i;
        }
    }
    let mut total = 0;
    for pair in rows.windows(2) {
        let segments = pair[0]
            .iter()
            .flat_map(|&v| down[v].iter().map(move |&w| (v, w)))
            .map(|(v, w)| (index[v], index[w]));
        // Only edges into the next layer (an edge closing a cycle may point elsewhere).
        let mut segments: Vec<(usize, usize)> =
            segments.filter(|&(_, lower)| lower < pair[1].len()).collect();
        segments.sort_unstable();
        let mut tree = vec![0usize; pair[1].len() + 1];
        for (seen, &(_, lower)) in segments.iter().enumerate() {
            // Segments seen so far ending strictly below `lower` in the next layer cross this one.
            let mut at_most = 0;
            let mut i = lower + 1;
            while i > 0 {
                at_most += tree[i];
                i -= i & i.wrapping_neg();
            }
            total += seen - at_most;
            let mut i = lower + 1;
            while i < tree.len() {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    total
}

/// Each vertex's vertical centre.
fn place(vertices: &[Vertex], rows: &[Vec<usize>], up: &[Vec<usize>], down: &[Vec<usize>]) -> Vec<f64> {
    let gap = |a: &Vertex, b: &Vertex| {
        let space = if a.passing || b.passing { PASSING_GAP } else { ROW_GAP };
        (a.size.h + b.size.h) / 2.0 + space
    };
    // Start stacked from the top.
    let mut centre = vec![0.0; vertices.len()];
    for row in rows {
        let mut at = 0.0;
        for (i, &v) in row.iter().enumerate() {
            if i > 0 {
                at += gap(&vertices[row[i - 1]], &vertices[v]);
            }
            centre[v] = at;
        }
    }
    for sweep in 0..PLACE_SWEEPS {
        let sequence: Vec<usize> =
            if sweep % 2 == 0 { (0..rows.len()).collect() } else { (0..rows.len()).rev().collect() };
        for l in sequence {
            let row = &rows[l];
            let wanted: Vec<f64> = row
                .iter()
                .map(|&v| mean(up[v].iter().chain(&down[v]).map(|&n| centre[n])).unwrap_or(centre[v]))
                .collect();
            let spacing: Vec<f64> = row.windows(2).map(|p| gap(&vertices[p[0]], &vertices[p[1]])).collect();
            for (&v, y) in row.iter().zip(spaced(&wanted, &spacing)) {
                centre[v] = y;
            }
        }
    }
    let top = rows
        .iter()
        .filter_map(|row| row.first())
        .map(|&v| centre[v] - vertices[v].size.h / 2.0)
        .fold(f64::INFINITY, f64::min);
    if top.is_finite() {
        centre.iter_mut().for_each(|c| *c -= top);
    }
    centre
}

/// The positions closest (least squares) to `wanted` that keep their order with at least
/// `spacing[i]` between positions `i` and `i + 1`: pool-adjacent-violators on the positions
/// minus their cumulative spacing.
fn spaced(wanted: &[f64], spacing: &[f64]) -> Vec<f64> {
    let mut offset = vec![0.0; wanted.len()];
    for i in 1..wanted.len() {
        offset[i] = offset[i - 1] + spacing[i - 1];
    }
    // Blocks of pooled targets: (sum, count).
    let mut blocks: Vec<(f64, usize)> = Vec::with_capacity(wanted.len());
    for (w, o) in wanted.iter().zip(&offset) {
        blocks.push((w - o, 1));
        while let [.., (s1, n1), (s2, n2)] = blocks[..] {
            if s1 / n1 as f64 <= s2 / n2 as f64 {
                break;
            }
            blocks.pop();
            *blocks.last_mut().expect("two blocks") = (s1 + s2, n1 + n2);
        }
    }
    let pooled = blocks.iter().flat_map(|&(s, n)| std::iter::repeat_n(s / n as f64, n));
    pooled.zip(&offset).map(|(z, o)| z + o).collect()
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, count) = values.fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    (count > 0).then(|| sum / count as f64)
}

/// Where each edge leaves its first box and enters its last: the edges of one side spread
/// along it, in the vertical order of their other ends, so they do not cross at the box.
struct Ports {
    out: Vec<f64>,
    into: Vec<f64>,
}

impl Ports {
    fn new(chains: &[Vec<usize>], centres: &[f64], boxes: &[Rect]) -> Self {
        let mut leaving = vec![Vec::new(); boxes.len()];
        let mut entering = vec![Vec::new(); boxes.len()];
        for (e, chain) in chains.iter().enumerate() {
            let (first, last) = (chain[0], chain[chain.len() - 1]);
            leaving[first].push((centres[chain[1]], e));
            entering[last].push((centres[chain[chain.len() - 2]], e));
        }
        let mut out = vec![0.0; chains.len()];
        let mut into = vec![0.0; chains.len()];
        for (ends, ports) in [(&mut leaving, &mut out), (&mut entering, &mut into)] {
            for (b, edges) in ends.iter_mut().enumerate() {
                edges.sort_by(|a, b| a.0.total_cmp(&b.0));
                let n = edges.len() as f64;
                for (i, &(_, e)) in edges.iter().enumerate() {
                    ports[e] = boxes[b].y + boxes[b].h * (0.2 + 0.6 * (i as f64 + 0.5) / n);
                }
            }
        }
        Self { out, into }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size() -> Size {
        Size { w: 80.0, h: 30.0 }
    }

    fn overlaps(a: &Rect, b: &Rect) -> bool {
        a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
    }

    #[test]
    fn layers_follow_the_longest_path_and_sources_sit_by_their_reader() {
        // 0 -> 1 -> 2 -> 3, and 4 (a source) read only by 3.
        let layer = layers(5, &[(0, 1), (1, 2), (2, 3), (4, 3)]);
        assert_eq!(layer, [0, 1, 2, 3, 2]);
    }

    #[test]
    fn spacing_keeps_order_and_distance_and_otherwise_gives_what_is_wanted() {
        assert_eq!(spaced(&[0.0, 100.0], &[10.0]), [0.0, 100.0]);
        assert_eq!(spaced(&[50.0, 50.0], &[10.0]), [45.0, 55.0]);
        assert_eq!(spaced(&[60.0, 0.0, 200.0], &[10.0, 10.0]), [25.0, 35.0, 200.0]);
    }

    #[test]
    fn crossings_are_counted() {
        // Layer 0: a b; layer 1: c d; edges a-d and b-c cross once.
        let down = vec![vec![3], vec![2], vec![], vec![]];
        assert_eq!(crossings(&[vec![0, 1], vec![2, 3]], &down), 1);
        assert_eq!(crossings(&[vec![0, 1], vec![3, 2]], &down), 0);
    }

    #[test]
    fn ordering_removes_avoidable_crossings() {
        // Two chains given crosswise: 0 -> 3, 1 -> 2.
        let layout = lay_out(&[size(); 4], &[(0, 3), (1, 2)]);
        let b = &layout.boxes;
        assert_eq!(b[0].y < b[1].y, b[3].y < b[2].y, "{b:?}");
    }

    #[test]
    fn long_edges_pass_between_boxes_and_edges_run_left_to_right() {
        // 0 -> 1 -> 2 -> 3 and 0 -> 3 skipping two columns.
        let edges = [(0, 1), (1, 2), (2, 3), (0, 3)];
        let layout = lay_out(&[size(); 4], &edges);
        let long = &layout.edges[3];
        assert_eq!(long.len(), 6, "start, in and out of two columns, end: {long:?}");
        for points in &layout.edges {
            assert!(points.windows(2).all(|p| p[0].x <= p[1].x), "{points:?}");
        }
        for (x, y) in [(long[1], long[2]), (long[3], long[4])] {
            assert_eq!(x.y, y.y, "straight through a column");
            for b in &layout.boxes {
                let inside = x.y > b.y && x.y < b.y + b.h && x.x < b.x + b.w && b.x < y.x;
                assert!(!inside, "the long edge crosses {b:?} at height {}", x.y);
            }
        }
    }

    /// `width` chains of `depth` steps, each step reading its chain and the one to its left.
    fn lattice(width: usize, depth: usize) -> (Vec<Size>, Vec<(usize, usize)>) {
        let id = |w: usize, d: usize| d * width + w;
        let mut edges = Vec::new();
        for d in 0..depth {
            for w in 0..width {
                edges.push((id(w, d), id(w, d + 1)));
                edges.push((id((w + width - 1) % width, d), id(w, d + 1)));
            }
        }
        (vec![size(); width * (depth + 1)], edges)
    }

    #[test]
    fn a_large_graph_is_laid_out_without_overlaps() {
        let (sizes, edges) = lattice(30, 60);
        let layout = lay_out(&sizes, &edges);
        assert_eq!(layout.edges.len(), edges.len());
        let mut boxes = layout.boxes.clone();
        boxes.sort_by(|a, b| (a.x, a.y).partial_cmp(&(b.x, b.y)).unwrap());
        for pair in boxes.windows(2) {
            assert!(!overlaps(&pair[0], &pair[1]), "{pair:?}");
        }
        assert!(boxes.iter().all(|b| b.x >= 0.0 && b.y >= 0.0 && b.x + b.w <= layout.width));
    }

    #[test]
    fn an_empty_graph_is_an_empty_layout() {
        let layout = lay_out(&[], &[]);
        assert!(layout.boxes.is_empty() && layout.width == 0.0 && layout.height == 0.0);
    }
}
