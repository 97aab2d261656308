//! The graph as an SVG document, laid out in-process.
//!
//! The layout (layers, order within a layer, coordinates, edge curves around the boxes) is the
//! `layout-rs` crate's Sugiyama-style placer; the drawing is ours: `layout-rs` draws through a
//! [`RenderBackend`], and ours keeps only the edge curves, then reads each box's place from the
//! laid-out graph. So every name is XML-escaped here, arrowheads are plain filled markers any
//! SVG viewer shows, and boxes carry their class, id and status for tools and tests.

use std::fmt::Write;

use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;

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
/// Space around the drawing, the title's band, and the legend's.
const MARGIN: f64 = 20.0;
const TITLE_BAND: f64 = 34.0;
const LEGEND_BAND: f64 = 44.0;

/// A laid-out box: its top-left corner and size.
#[derive(Clone, Copy, Debug)]
struct Place {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// An edge curve as SVG path data pieces: a start point, then (control, point) pairs as
/// `layout-rs` routes them.
type Curve = Vec<(Point, Point)>;

/// The SVG document.
pub(super) fn render(dag: &Dag) -> String {
    let (nodes, tasks, curves) = lay_out(dag);
    // Everything is shifted so the drawing starts at the margin, under the title.
    let (min, max) = bounds(nodes.iter().chain(&tasks), curves.iter().flatten());
    let dx = MARGIN - min.x;
    let dy = MARGIN + TITLE_BAND - min.y;
    let statuses = dag.statuses_shown();
    let legend_width = legend_width(&statuses);
    let width = (max.x - min.x + 2.0 * MARGIN).max(legend_width + 2.0 * MARGIN).ceil();
    let legend_y = max.y + dy + MARGIN;
    let height = legend_y + if statuses.is_empty() { 0.0 } else { LEGEND_BAND };

    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{h}\" viewBox=\"0 0 {width} {h}\" \
         font-family=\"Helvetica, Arial, sans-serif\">",
        h = height.ceil()
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&dag.name));
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
        escape(&dag.name)
    );
    out.push_str("<g class=\"edges\">\n");
    for (edge, curve) in dag.edges.iter().zip(&curves) {
        let _ = writeln!(
            out,
            "<path class=\"edge\" data-from=\"{}\" data-to=\"{}\" d=\"{}\" fill=\"none\" stroke=\"{EDGE}\" \
             stroke-width=\"1.5\" marker-end=\"url(#arrowhead)\"/>",
            escape(vertex_name(dag, edge.from)),
            escape(vertex_name(dag, edge.to)),
            path_data(curve, dx, dy)
        );
    }
    out.push_str("</g>\n");
    for (node, place) in dag.nodes.iter().zip(&nodes) {
        let place = Place { x: place.x + dx, y: place.y + dy, ..*place };
        let _ = writeln!(out, "<g class=\"node\" data-id=\"{}\">", escape(&node.id));
        let _ = writeln!(out, "<title>data node {}: {}</title>", escape(&node.id), escape(&node.type_name));
        rect(&mut out, place, place.h / 2.0, NODE);
        let cx = place.x + place.w / 2.0;
        text(&mut out, cx, place.y + 18.0, NAME_FONT, "#263238", &node.id);
        text(&mut out, cx, place.y + 34.0, TYPE_FONT, "#607d8b", &node.type_name);
        out.push_str("</g>\n");
    }
    for (task, place) in dag.tasks.iter().zip(&tasks) {
        let place = Place { x: place.x + dx, y: place.y + dy, ..*place };
        let status = dag.status(task);
        let _ = match status {
            Some(s) => write!(out, "<g class=\"task\" data-id=\"{}\" data-status=\"{s}\">", escape(task)),
            None => write!(out, "<g class=\"task\" data-id=\"{}\">", escape(task)),
        };
        let shown = status.map_or(String::new(), |s| format!(": {s}"));
        let _ = writeln!(out, "\n<title>task {}{shown}</title>", escape(task));
        rect(&mut out, place, 3.0, status.map_or(TASK, style::status_colours));
        text(&mut out, place.x + place.w / 2.0, place.y + 22.0, NAME_FONT, "#000000", task);
        out.push_str("</g>\n");
    }
    if !statuses.is_empty() {
        legend(&mut out, &statuses, MARGIN, legend_y);
    }
    out.push_str("</svg>\n");
    out
}

/// The places of the nodes and of the tasks (in [`Dag`]'s orders) and the curve of each edge,
/// in `layout-rs`'s coordinates.
fn lay_out(dag: &Dag) -> (Vec<Place>, Vec<Place>, Vec<Curve>) {
    let mut graph = VisualGraph::new(Orientation::LeftToRight);
    let mut add = |size: Point| {
        let element =
            Element::create(ShapeKind::new_box(""), StyleAttr::simple(), Orientation::LeftToRight, size);
        graph.add_node(element)
    };
    let node_handles: Vec<_> =
        dag.nodes.iter().map(|n| add(Point::new(text_width(&n.id, &n.type_name), NODE_HEIGHT))).collect();
    let task_handles: Vec<_> =
        dag.tasks.iter().map(|t| add(Point::new(text_width(t, ""), TASK_HEIGHT))).collect();
    let handle = |v: Vertex| match v {
        Vertex::Node(n) => node_handles[n],
        Vertex::Task(t) => task_handles[t],
    };
    for edge in &dag.edges {
        graph.add_edge(Arrow::simple(""), handle(edge.from), handle(edge.to));
    }
    let mut curves = CurveRecorder::default();
    if !dag.nodes.is_empty() || !dag.tasks.is_empty() {
        graph.do_it(false, false, false, &mut curves);
    }
    let place = |h| {
        let position = graph.pos(h);
        let (top_left, _) = position.bbox(false);
        let size = position.size(false);
        Place { x: top_left.x, y: top_left.y, w: size.x, h: size.y }
    };
    let nodes = node_handles.iter().map(|&h| place(h)).collect();
    let tasks = task_handles.iter().map(|&h| place(h)).collect();
    (nodes, tasks, curves.curves)
}

/// A box's width for its name and (for a node) its type.
fn text_width(name: &str, type_name: &str) -> f64 {
    let chars = |s: &str| s.chars().count() as f64;
    (chars(name) * NAME_CHAR).max(chars(type_name) * TYPE_CHAR) + PADDING
}

/// The smallest and largest corner of the boxes and curve points.
fn bounds<'a>(
    places: impl Iterator<Item = &'a Place>,
    points: impl Iterator<Item = &'a (Point, Point)>,
) -> (Point, Point) {
    let mut min = Point::new(f64::MAX, f64::MAX);
    let mut max = Point::new(f64::MIN, f64::MIN);
    let mut grow = |x: f64, y: f64| {
        min = Point::new(min.x.min(x), min.y.min(y));
        max = Point::new(max.x.max(x), max.y.max(y));
    };
    for p in places {
        grow(p.x, p.y);
        grow(p.x + p.w, p.y + p.h);
    }
    for (a, b) in points {
        grow(a.x, a.y);
        grow(b.x, b.y);
    }
    if min.x > max.x {
        return (Point::zero(), Point::zero());
    }
    (min, max)
}

/// Path data for a curve as `layout-rs` routes it: a cubic Bézier, then smooth continuations.
fn path_data(curve: &Curve, dx: f64, dy: f64) -> String {
    let p = |point: Point| format!("{:.1} {:.1}", point.x + dx, point.y + dy);
    let mut d = String::new();
    if let [first, second, rest @ ..] = curve.as_slice() {
        let _ = write!(d, "M {} C {}, {}, {}", p(first.0), p(first.1), p(second.0), p(second.1));
        for (control, point) in rest {
            let _ = write!(d, " S {}, {}", p(*control), p(*point));
        }
    }
    d
}

fn vertex_name(dag: &Dag, vertex: Vertex) -> &str {
    match vertex {
        Vertex::Node(n) => &dag.nodes[n].id,
        Vertex::Task(t) => &dag.tasks[t],
    }
}

fn rect(out: &mut String, p: Place, radius: f64, colours: Colours) {
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
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A [`RenderBackend`] keeping only the edge curves, in the order `layout-rs` draws the edges
/// (the order they were added); boxes and labels are drawn from the laid-out places instead.
#[derive(Default)]
struct CurveRecorder {
    curves: Vec<Curve>,
}

impl RenderBackend for CurveRecorder {
    fn draw_rect(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>, _: Option<ClipHandle>) {}

    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}

    fn draw_circle(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}

    fn draw_text(&mut self, _: Point, _: &str, _: &StyleAttr) {}

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _: bool,
        _: (bool, bool),
        _: &StyleAttr,
        _: Option<String>,
        _: &str,
    ) {
        self.curves.push(path.to_vec());
    }

    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
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
        assert_eq!(escape("tab\there"), "tab here");
    }

    #[test]
    fn every_edge_gets_a_curve_and_boxes_do_not_overlap() {
        let config = ScenarioConfig::builder("fan")
            .node(DataNodeConfig::with_default("a", 1i64))
            .node(DataNodeConfig::with_default("b", 2i64))
            .task(TaskConfig::new("left", add).inputs(["a", "b"]).outputs(["l"]))
            .task(TaskConfig::new("right", add).inputs(["a", "b"]).outputs(["r"]))
            .task(TaskConfig::new("join", add).inputs(["l", "r"]).outputs(["out"]))
            .build()
            .unwrap();
        let dag = Dag::of(&config);
        let (nodes, tasks, curves) = lay_out(&dag);
        assert_eq!(curves.len(), dag.edges.len());
        assert!(curves.iter().all(|c| c.len() >= 2), "{curves:?}");
        let boxes: Vec<Place> = nodes.into_iter().chain(tasks).collect();
        for (i, a) in boxes.iter().enumerate() {
            assert!(a.w > 0.0 && a.h > 0.0);
            for b in &boxes[i + 1..] {
                let apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
                assert!(apart, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn left_to_right_producers_are_left_of_their_outputs() {
        let config = ScenarioConfig::builder("chain")
            .node(DataNodeConfig::with_default("x", 1i64))
            .task(TaskConfig::new("t", add).inputs(["x", "x"]).outputs(["y"]))
            .build()
            .unwrap();
        let (nodes, tasks, _) = lay_out(&Dag::of(&config));
        assert!(nodes[0].x + nodes[0].w <= tasks[0].x, "{nodes:?} {tasks:?}");
        assert!(tasks[0].x + tasks[0].w <= nodes[1].x, "{nodes:?} {tasks:?}");
    }

    #[test]
    fn an_empty_graph_is_an_empty_drawing() {
        let config = ScenarioConfig::builder("empty").build().unwrap();
        let svg = render(&Dag::of(&config).with_statuses([("none", JobStatus::Failed)]));
        assert!(svg.contains("<title>empty</title>") && svg.ends_with("</svg>\n"), "{svg}");
    }
}
