//! The graph as an SVG document: boxes and curves placed by `layout.rs`, drawn here, every name
//! XML-escaped. Boxes carry their class, id and status for tools and tests; arrowheads are
//! plain filled markers any SVG viewer shows.

use std::fmt::Write;

use super::layout::{self, Layout, Point, Rect, Size};
use super::style::{self, Colours, EDGE, NODE, TASK};
use super::{Dag, Vertex};

/// Font sizes of names and types, and the widths their characters are estimated at.
const NAME_FONT: f64 = 14.0;
const NAME_CHAR: f64 = 8.2;
const TYPE_FONT: f64 = 11.0;
const TYPE_CHAR: f64 = 6.6;
/// Space left and right of a box's text, and the heights of one- and two-line boxes.
const PADDING: f64 = 28.0;
const TASK_HEIGHT: f64 = 34.0;
const NODE_HEIGHT: f64 = 44.0;
/// Space around the drawing; where the drawing starts, under the title; the legend's height;
/// the width a title character is estimated at.
const MARGIN: f64 = 20.0;
const TOP: f64 = MARGIN + 34.0;
const LEGEND_BAND: f64 = 44.0;
const TITLE_CHAR: f64 = 10.0;

/// The SVG document.
pub(super) fn render(dag: &Dag) -> String {
    let layout = lay_out(dag);
    let statuses = dag.statuses_shown();
    let title_width = dag.name.chars().count() as f64 * TITLE_CHAR;
    let width = layout.width.max(legend_width(&statuses)).max(title_width) + 2.0 * MARGIN;
    let legend_y = TOP + layout.height + MARGIN;
    let height = legend_y + if statuses.is_empty() { 0.0 } else { LEGEND_BAND };

    let mut out = String::new();
    header(&mut out, &dag.name, width.ceil(), height.ceil());
    edges(&mut out, dag, &layout);
    boxes(&mut out, dag, &layout);
    if !statuses.is_empty() {
        legend(&mut out, &statuses, MARGIN, legend_y);
    }
    out.push_str("</svg>\n");
    out
}

/// The document's start: the `<svg>` element, its title, the arrowhead marker, a white
/// background and the title written above the drawing.
fn header(out: &mut String, name: &str, width: f64, height: f64) {
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\">"
    );
    let _ = writeln!(out, "<title>{}</title>", escape(name));
    let _ = writeln!(
        out,
        "<defs><marker id=\"arrowhead\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"{EDGE}\"/></marker></defs>"
    );
    out.push_str("<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    let _ = writeln!(
        out,
        "<text class=\"title\" x=\"{MARGIN}\" y=\"{}\" font-size=\"16\" font-weight=\"bold\" fill=\"#263238\">{}</text>",
        MARGIN + 16.0,
        escape(name)
    );
}

/// Every edge, under the boxes: a path from its source to its target, with an arrowhead.
fn edges(out: &mut String, dag: &Dag, layout: &Layout) {
    out.push_str("<g class=\"edges\">\n");
    for (edge, points) in dag.edges.iter().zip(&layout.edges) {
        let points = onto_stadiums(points, edge.from, edge.to, &layout.boxes);
        let _ = writeln!(
            out,
            "<path class=\"edge\" data-from=\"{}\" data-to=\"{}\" d=\"{}\" fill=\"none\" stroke=\"{EDGE}\" \
             stroke-width=\"1.5\" marker-end=\"url(#arrowhead)\"/>",
            escape(vertex_name(dag, edge.from)),
            escape(vertex_name(dag, edge.to)),
            path_data(&points, MARGIN, TOP)
        );
    }
    out.push_str("</g>\n");
}

/// Data nodes as stadiums with their name and type, tasks as rectangles filled by status.
fn boxes(out: &mut String, dag: &Dag, layout: &Layout) {
    let shifted = |r: &Rect| Rect { x: r.x + MARGIN, y: r.y + TOP, ..*r };
    for (node, place) in dag.nodes.iter().zip(&layout.boxes) {
        let place = shifted(place);
        let _ = writeln!(out, "<g class=\"node\" data-id=\"{}\">", escape(&node.id));
        let _ = writeln!(out, "<title>data node {}: {}</title>", escape(&node.id), escape(&node.type_name));
        rect(out, place, place.h / 2.0, NODE);
        let cx = place.x + place.w / 2.0;
        text(out, cx, place.y + 18.0, NAME_FONT, "#263238", &node.id);
        text(out, cx, place.y + 34.0, TYPE_FONT, "#607d8b", &node.type_name);
        out.push_str("</g>\n");
    }
    for (task, place) in dag.tasks.iter().zip(&layout.boxes[dag.nodes.len()..]) {
        let place = shifted(place);
        let status = dag.status(task);
        let _ = match status {
            Some(s) => writeln!(out, "<g class=\"task\" data-id=\"{}\" data-status=\"{s}\">", escape(task)),
            None => writeln!(out, "<g class=\"task\" data-id=\"{}\">", escape(task)),
        };
        let shown = status.map_or(String::new(), |s| format!(": {s}"));
        let _ = writeln!(out, "<title>task {}{shown}</title>", escape(task));
        rect(out, place, 3.0, status.map_or(TASK, style::status_colours));
        text(out, place.x + place.w / 2.0, place.y + 22.0, NAME_FONT, "#000000", task);
        out.push_str("</g>\n");
    }
}

/// The boxes of the nodes then of the tasks, and the points of each edge.
fn lay_out(dag: &Dag) -> Layout {
    let nodes = dag.nodes.iter().map(|n| Size { w: text_width(&n.id, &n.type_name), h: NODE_HEIGHT });
    let tasks = dag.tasks.iter().map(|t| Size { w: text_width(t, ""), h: TASK_HEIGHT });
    let sizes: Vec<Size> = nodes.chain(tasks).collect();
    let index = |v: Vertex| match v {
        Vertex::Node(n) => n,
        Vertex::Task(t) => dag.nodes.len() + t,
    };
    let edges: Vec<(usize, usize)> = dag.edges.iter().map(|e| (index(e.from), index(e.to))).collect();
    layout::lay_out(&sizes, &edges)
}

/// The edge's points with its ends moved onto the rounded sides of data nodes (stadiums), so
/// an edge leaving or entering off the middle touches the outline.
fn onto_stadiums(points: &[Point], from: Vertex, to: Vertex, boxes: &[Rect]) -> Vec<Point> {
    let inset = |b: &Rect, y: f64| {
        let r = b.h / 2.0;
        let dy = (y - (b.y + r)).abs().min(r);
        r - (r * r - dy * dy).sqrt()
    };
    let mut points = points.to_vec();
    let last = points.len() - 1;
    if let Vertex::Node(n) = from {
        points[0].x -= inset(&boxes[n], points[0].y);
    }
    if let Vertex::Node(n) = to {
        points[last].x += inset(&boxes[n], points[last].y);
    }
    points
}

/// Path data through an edge's points: curves with horizontal tangents across the gaps between
/// columns, straight lines through the columns it passes.
fn path_data(points: &[Point], dx: f64, dy: f64) -> String {
    let p = |point: Point| format!("{:.1} {:.1}", point.x + dx, point.y + dy);
    let mut d = String::new();
    for (i, pair) in points.windows(2).enumerate() {
        let (a, b) = (pair[0], pair[1]);
        if i == 0 {
            let _ = write!(d, "M {}", p(a));
        }
        if i % 2 == 0 {
            let bend = (b.x - a.x) / 2.0;
            let c1 = Point { x: a.x + bend, y: a.y };
            let c2 = Point { x: b.x - bend, y: b.y };
            let _ = write!(d, " C {}, {}, {}", p(c1), p(c2), p(b));
        } else {
            let _ = write!(d, " L {}", p(b));
        }
    }
    d
}

/// A box's width for its name and (for a node) its type.
fn text_width(name: &str, type_name: &str) -> f64 {
    let chars = |s: &str| s.chars().count() as f64;
    (chars(name) * NAME_CHAR).max(chars(type_name) * TYPE_CHAR) + PADDING
}

fn vertex_name(dag: &Dag, vertex: Vertex) -> &str {
    match vertex {
        Vertex::Node(n) => &dag.nodes[n].id,
        Vertex::Task(t) => &dag.tasks[t],
    }
}

fn rect(out: &mut String, p: Rect, radius: f64, colours: Colours) {
    let _ = writeln!(
        out,
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"{radius:.1}\" fill=\"{}\" stroke=\"{}\" \
         stroke-width=\"1.5\"/>",
        p.x, p.y, p.w, p.h, colours.fill, colours.stroke
    );
}

/// Centred text with its baseline at `y`.
fn text(out: &mut String, x: f64, y: f64, size: f64, colour: &str, content: &str) {
    let _ = writeln!(
        out,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" fill=\"{colour}\" text-anchor=\"middle\">{}</text>",
        escape(content)
    );
}

const LEGEND_LABEL: &str = "latest job status:";
const SWATCH: f64 = 14.0;

/// The legend's width: its label, then a swatch and a name per status.
fn legend_width(statuses: &[super::JobStatus]) -> f64 {
    if statuses.is_empty() {
        return 0.0;
    }
    let label = LEGEND_LABEL.len() as f64 * 7.0 + 12.0;
    label + statuses.iter().map(|s| legend_item_width(*s)).sum::<f64>()
}

fn legend_item_width(status: super::JobStatus) -> f64 {
    SWATCH + 6.0 + status.to_string().len() as f64 * 7.5 + 18.0
}

/// A row under the drawing: "latest job status:" and each status shown with its colour.
fn legend(out: &mut String, statuses: &[super::JobStatus], x: f64, y: f64) {
    out.push_str("<g class=\"legend\">\n");
    let baseline = y + SWATCH - 2.0;
    let _ = writeln!(
        out,
        "<text x=\"{x:.1}\" y=\"{baseline:.1}\" font-size=\"13\" fill=\"#455a64\">{LEGEND_LABEL}</text>"
    );
    let mut at = x + LEGEND_LABEL.len() as f64 * 7.0 + 12.0;
    for &status in statuses {
        let colours = style::status_colours(status);
        let _ = writeln!(
            out,
            "<g class=\"legend-item\" data-status=\"{status}\"><rect x=\"{at:.1}\" y=\"{y:.1}\" width=\"{SWATCH}\" \
             height=\"{SWATCH}\" rx=\"2\" fill=\"{}\" stroke=\"{}\" stroke-width=\"1.5\"/><text x=\"{:.1}\" \
             y=\"{baseline:.1}\" font-size=\"13\" fill=\"#263238\">{status}</text></g>",
            colours.fill,
            colours.stroke,
            at + SWATCH + 6.0
        );
        at += legend_item_width(status);
    }
    out.push_str("</g>\n");
}

/// Text for XML content and attribute values: `&`, `<`, `>`, quotes as entities; control
/// characters (not allowed in XML 1.0, or lost in attributes) as spaces.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Not allowed in XML 1.0 (or lost in attributes): control characters, U+FFFE, U+FFFF.
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use taipy_core::{DataNodeConfig, JobStatus, ScenarioConfig, TaskConfig};

    fn add(a: &i64, b: &i64) -> i64 {
        a + b
    }

    #[test]
    fn xml_escaping_covers_markup_and_control_characters() {
        assert_eq!(escape(r#"<a href="x">&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
        assert_eq!(escape("tab\there\u{ffff}"), "tab here ");
    }

    #[test]
    fn boxes_fit_their_text_and_edges_run_from_right_side_to_left_side() {
        let config = ScenarioConfig::builder("fan")
            .node(DataNodeConfig::with_default("a", 1i64))
            .node(DataNodeConfig::with_default("a_much_longer_name", 2i64))
            .task(TaskConfig::new("left", add).inputs(["a", "a_much_longer_name"]).outputs(["l"]))
            .task(TaskConfig::new("join", add).inputs(["l", "a"]).outputs(["out"]))
            .build()
            .unwrap();
        let dag = Dag::of(&config);
        let Layout { boxes, edges, .. } = lay_out(&dag);
        assert_eq!(boxes.len(), dag.nodes.len() + dag.tasks.len());
        assert!(boxes[1].w >= "a_much_longer_name".len() as f64 * NAME_CHAR, "{boxes:?}");
        let index = |v: Vertex| match v {
            Vertex::Node(n) => n,
            Vertex::Task(t) => dag.nodes.len() + t,
        };
        for (edge, points) in dag.edges.iter().zip(&edges) {
            let (from, to) = (boxes[index(edge.from)], boxes[index(edge.to)]);
            let (start, end) = (points[0], points[points.len() - 1]);
            assert_eq!((start.x, end.x), (from.x + from.w, to.x), "{edge:?}");
            assert!(start.y > from.y && start.y < from.y + from.h && end.y > to.y && end.y < to.y + to.h);
        }
    }

    #[test]
    fn edges_end_on_the_rounded_sides_of_data_nodes() {
        let node = Rect { x: 100.0, y: 0.0, w: 80.0, h: 40.0 };
        let task = Rect { x: 0.0, y: 0.0, w: 50.0, h: 40.0 };
        let boxes = [node, task];
        let middle = [Point { x: 50.0, y: 20.0 }, Point { x: 100.0, y: 20.0 }];
        assert_eq!(onto_stadiums(&middle, Vertex::Task(0), Vertex::Node(0), &boxes), middle);
        // 12 above the middle of a side of radius 20: 4 in from the box's corner.
        let high = [Point { x: 50.0, y: 8.0 }, Point { x: 100.0, y: 8.0 }];
        let moved = onto_stadiums(&high, Vertex::Task(0), Vertex::Node(0), &boxes);
        assert_eq!(moved, [high[0], Point { x: 104.0, y: 8.0 }]);
        let leaving =
            onto_stadiums(&[Point { x: 180.0, y: 32.0 }, high[1]], Vertex::Node(0), Vertex::Task(0), &boxes);
        assert_eq!(leaving[0], Point { x: 176.0, y: 32.0 });
    }

    #[test]
    fn path_data_curves_across_gaps_and_runs_straight_through_columns() {
        let points = [
            Point { x: 0.0, y: 0.0 },
            Point { x: 10.0, y: 10.0 },
            Point { x: 30.0, y: 10.0 },
            Point { x: 40.0, y: 0.0 },
        ];
        assert_eq!(
            path_data(&points, 1.0, 2.0),
            "M 1.0 2.0 C 6.0 2.0, 6.0 12.0, 11.0 12.0 L 31.0 12.0 C 36.0 12.0, 36.0 2.0, 41.0 2.0"
        );
    }

    #[test]
    fn a_long_title_widens_the_drawing() {
        let name = "a scenario config with a rather long name, longer than its graph";
        let config =
            ScenarioConfig::builder(name).node(DataNodeConfig::with_default("x", 1i64)).build().unwrap();
        let svg = render(&Dag::of(&config));
        let width = svg.split("width=\"").nth(1).and_then(|w| w.split('"').next()).unwrap();
        assert!(width.parse::<f64>().unwrap() >= name.len() as f64 * TITLE_CHAR, "{width}");
    }

    #[test]
    fn an_empty_graph_is_an_empty_drawing() {
        let config = ScenarioConfig::builder("empty").build().unwrap();
        let svg = render(&Dag::of(&config).with_statuses([("none", JobStatus::Failed)]));
        assert!(svg.contains("<title>empty</title>") && svg.ends_with("</svg>\n"), "{svg}");
    }
}
