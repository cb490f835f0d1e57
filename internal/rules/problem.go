package rules

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"raqib/internal/errs"
	"raqib/internal/theater"
)

// Problem is one thing wrong with a rules configuration, in the shape the
// theater's problems have: "file:line:col: field: message", the field a
// path such as "sectors.S06.approach.within".
type Problem = theater.Problem

// ConfigError is what ParseConfig and Validate return for a configuration
// with problems. It carries every problem found, in file order. Its code is
// errs.Invalid.
type ConfigError struct {
	Problems []Problem
}

// Error lists the problems, one per line.
func (e *ConfigError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rules: %d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap gives the error its code, so errs.CodeOf reports errs.Invalid.
func (e *ConfigError) Unwrap() error {
	return errs.E(errs.Invalid, "rules configuration has %d problem(s)", len(e.Problems))
}

// maxAliasDepth bounds how deep aliases may refer through one another, so
// that a file whose anchors refer to themselves cannot loop.
const maxAliasDepth = 16

// maxMerged bounds the keys merged in with "<<" over a whole file, so that
// merges of merges cannot multiply without end.
const maxMerged = 10_000

// decoder reads a rules file field by field: each field's value is decoded
// on its own, over the value already there, so that every bad field is
// reported and a file may give any subset of the fields.
type decoder struct {
	file string
	// merged counts the keys merged in with "<<", against maxMerged.
	merged   int
	body     ast.Node
	anchors  map[string]ast.Node
	problems []Problem
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, anchors: map[string]ast.Node{}}
}

// parse parses the file and returns its body; nil if it does not parse or
// is empty (which leaves every default).
func (d *decoder) parse(data []byte) ast.Node {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) {
			d.addAt(ye.GetToken(), "", "syntax error: "+ye.GetMessage())
		} else {
			d.add(Problem{Message: "syntax error: " + err.Error()})
		}
		return nil
	}
	if len(f.Docs) > 1 {
		var tk *token.Token
		if doc := f.Docs[1]; doc != nil {
			tk = doc.Start
			if tk == nil {
				tk = tokenOf(doc.Body)
			}
		}
		d.addAt(tk, "", "more than one YAML document")
	}
	if len(f.Docs) == 0 || f.Docs[0] == nil || f.Docs[0].Body == nil {
		return nil
	}
	d.body = f.Docs[0].Body
	d.collectAnchors(d.body, 0)
	return d.body
}

func (d *decoder) add(p Problem) {
	p.File = d.file
	d.problems = append(d.problems, p)
}

// addAt records a problem at a token.
func (d *decoder) addAt(tk *token.Token, field, msg string) {
	p := Problem{Field: field, Message: msg}
	if tk != nil && tk.Position != nil {
		p.Line, p.Column = tk.Position.Line, tk.Position.Column
	}
	d.add(p)
}

// addField records a problem with a field, placed by walking the file.
func (d *decoder) addField(field, msg string) {
	p := Problem{Field: field, Message: msg}
	if pos := d.locate(field); pos != nil {
		p.Line, p.Column = pos.Line, pos.Column
	}
	d.add(p)
}

// collectAnchors records every anchor of the file by name.
func (d *decoder) collectAnchors(n ast.Node, depth int) {
	if n == nil || depth > 200 {
		return
	}
	switch v := n.(type) {
	case *ast.AnchorNode:
		if v.Name != nil && v.Name.GetToken() != nil {
			d.anchors[v.Name.GetToken().Value] = v.Value
		}
		d.collectAnchors(v.Value, depth+1)
	case *ast.TagNode:
		d.collectAnchors(v.Value, depth+1)
	case *ast.MappingNode:
		for _, mv := range v.Values {
			d.collectAnchors(mv.Value, depth+1)
		}
	case *ast.MappingValueNode:
		d.collectAnchors(v.Value, depth+1)
	case *ast.SequenceNode:
		for _, e := range v.Values {
			d.collectAnchors(e, depth+1)
		}
	}
}

// resolve looks through anchors, tags and aliases to the value a node
// carries; nil for an alias to no anchor, or aliases nested too deep.
func (d *decoder) resolve(n ast.Node) ast.Node {
	for range maxAliasDepth {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			if v.Value == nil || v.Value.GetToken() == nil {
				return nil
			}
			n = d.anchors[v.Value.GetToken().Value]
		default:
			return n
		}
	}
	return nil
}

// entry is one key of a mapping, after merge keys are expanded.
type entry struct {
	key   string
	keyTk *token.Token
	value ast.Node
}

// entries lists the keys of a mapping at path: those merged in with "<<"
// first, then the mapping's own, so that its own win.
func (d *decoder) entries(m *ast.MappingNode, path string, depth int) []entry {
	var merged, own []entry
	for _, mv := range m.Values {
		if mv == nil || mv.Key == nil {
			continue
		}
		if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
			if depth >= maxAliasDepth {
				d.addAt(mv.Key.GetToken(), joinPath(path, "<<"), "merge keys nested too deep")
				continue
			}
			for _, src := range d.mergeSources(mv.Value, path) {
				if d.merged += len(src.Values); d.merged > maxMerged {
					d.addAt(mv.Key.GetToken(), joinPath(path, "<<"), "too many keys merged in")
					break
				}
				merged = append(merged, d.entries(src, path, depth+1)...)
			}
			continue
		}
		own = append(own, entry{key: keyString(mv.Key), keyTk: mv.Key.GetToken(), value: mv.Value})
	}
	return append(merged, own...)
}

// mergeSources returns the mappings a merge key's value names.
func (d *decoder) mergeSources(n ast.Node, path string) []*ast.MappingNode {
	switch v := d.resolve(n).(type) {
	case *ast.MappingNode:
		return []*ast.MappingNode{v}
	case *ast.SequenceNode:
		var out []*ast.MappingNode
		for _, e := range v.Values {
			if m, ok := d.resolve(e).(*ast.MappingNode); ok {
				out = append(out, m)
			}
		}
		return out
	}
	d.addAt(tokenOf(n), joinPath(path, "<<"), "a merge key wants a mapping or a list of mappings")
	return nil
}

// decodeConfig decodes the file's body over c. The defaults are decoded
// before the sectors, wherever they stand in the file, since each sector
// starts from them.
func (d *decoder) decodeConfig(body ast.Node, c *Config) {
	n := d.resolve(body)
	if _, ok := n.(*ast.NullNode); ok || n == nil {
		return
	}
	m, ok := n.(*ast.MappingNode)
	if !ok {
		d.addAt(tokenOf(body), "", "want a mapping with the keys threat_scale, defaults and sectors")
		return
	}
	fields := yamlFields(reflect.TypeFor[Config]())
	rv := reflect.ValueOf(c).Elem()
	var sectors []entry
	for _, e := range d.entries(m, "", 0) {
		if e.key == "sectors" {
			sectors = append(sectors, e)
			continue
		}
		idx, ok := fields[e.key]
		if !ok {
			d.addAt(e.keyTk, e.key, "unknown field")
			continue
		}
		d.decodeValue(rv.FieldByIndex(idx), e.value, e.key)
	}
	for _, e := range sectors {
		d.decodeSectors(c, e.value)
	}
}

// decodeSectors decodes the sector overrides, each over the defaults.
func (d *decoder) decodeSectors(c *Config, n ast.Node) {
	v := d.resolve(n)
	if _, ok := v.(*ast.NullNode); ok {
		return
	}
	m, ok := v.(*ast.MappingNode)
	if !ok {
		d.addAt(tokenOf(n), "sectors", "want a mapping of sector ids to rule settings")
		return
	}
	if c.Sectors == nil {
		c.Sectors = map[string]RuleSet{}
	}
	for _, e := range d.entries(m, "sectors", 0) {
		rs, ok := c.Sectors[e.key]
		if !ok {
			rs = c.Defaults.clone()
		}
		d.decodeValue(reflect.ValueOf(&rs).Elem(), e.value, "sectors."+e.key)
		c.Sectors[e.key] = rs
	}
}

var (
	durationType  = reflect.TypeFor[time.Duration]()
	unmarshalType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decodeValue decodes n into v, which holds the value to change: a mapping
// changes only the fields it names, a list replaces the list.
func (d *decoder) decodeValue(v reflect.Value, n ast.Node, path string) {
	tk := tokenOf(n)
	n = d.resolve(n)
	if n == nil {
		d.addAt(tk, path, "alias to no anchor, or aliases nested too deep")
		return
	}
	_, null := n.(*ast.NullNode)
	t := v.Type()
	switch {
	case t == durationType:
		if null {
			d.addAt(tk, path, "missing value: want a duration such as 30s or 10m")
			return
		}
		d.decodeDuration(v, n, path)
		return
	case reflect.PointerTo(t).Implements(unmarshalType):
		s, ok := n.(*ast.StringNode)
		if !ok {
			d.addAt(tokenOf(n), path, "want a name")
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s.Value)); err != nil {
			d.addAt(tokenOf(n), path, err.Error())
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if null {
			return
		}
		m, ok := n.(*ast.MappingNode)
		if !ok {
			d.addAt(tokenOf(n), path, "want a mapping")
			return
		}
		fields := yamlFields(t)
		for _, e := range d.entries(m, path, 0) {
			sub := joinPath(path, e.key)
			idx, ok := fields[e.key]
			if !ok {
				d.addAt(e.keyTk, sub, "unknown field")
				continue
			}
			d.decodeValue(v.FieldByIndex(idx), e.value, sub)
		}
	case reflect.Map:
		if null {
			return
		}
		m, ok := n.(*ast.MappingNode)
		if !ok {
			d.addAt(tokenOf(n), path, "want a mapping")
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(t))
		}
		for _, e := range d.entries(m, path, 0) {
			key := reflect.ValueOf(e.key).Convert(t.Key())
			elem := reflect.New(t.Elem()).Elem()
			if old := v.MapIndex(key); old.IsValid() {
				elem.Set(old)
			}
			d.decodeValue(elem, e.value, joinPath(path, e.key))
			v.SetMapIndex(key, elem)
		}
	case reflect.Slice:
		if null {
			v.Set(reflect.MakeSlice(t, 0, 0))
			return
		}
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			d.addAt(tokenOf(n), path, "want a list")
			return
		}
		out := reflect.MakeSlice(t, len(seq.Values), len(seq.Values))
		for i, e := range seq.Values {
			d.decodeValue(out.Index(i), e, path+"["+strconv.Itoa(i)+"]")
		}
		v.Set(out)
	default:
		if null {
			d.addAt(tk, path, "missing value")
			return
		}
		if _, ok := n.(ast.ScalarNode); !ok {
			d.addAt(tokenOf(n), path, "want a single value")
			return
		}
		nv := reflect.New(t)
		if err := yaml.NodeToValue(n, nv.Interface()); err != nil {
			d.addAt(tokenOf(n), path, decodeMessage(err, t))
			return
		}
		v.Set(nv.Elem())
	}
}

// decodeDuration reads a Go duration such as "90s" or "10m".
func (d *decoder) decodeDuration(v reflect.Value, n ast.Node, path string) {
	s, ok := n.(*ast.StringNode)
	if !ok {
		d.addAt(tokenOf(n), path, "want a duration with its unit, such as 30s or 10m")
		return
	}
	dur, err := time.ParseDuration(s.Value)
	if err != nil {
		d.addAt(tokenOf(n), path, fmt.Sprintf("%q is not a duration (want one such as 30s or 10m)", s.Value))
		return
	}
	v.SetInt(int64(dur))
}

// decodeMessage is the message of a decoding error, without the excerpt
// of the file the YAML library adds.
func decodeMessage(err error, t reflect.Type) string {
	var ye yaml.Error
	if errors.As(err, &ye) {
		return fmt.Sprintf("want a %s: %s", kindName(t), ye.GetMessage())
	}
	return fmt.Sprintf("want a %s: %v", kindName(t), err)
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "whole number"
	case reflect.Float64, reflect.Float32:
		return "number"
	case reflect.String:
		return "string"
	}
	return t.String()
}

// yamlFields maps the YAML names of a struct's fields to their indexes,
// the way the decoder names them: the yaml tag, else the lower-cased field
// name; the fields of an inline embedded struct count as the struct's own.
func yamlFields(t reflect.Type) map[string][]int {
	m := map[string][]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && opts == "inline" && f.Type.Kind() == reflect.Struct {
			for k, idx := range yamlFields(f.Type) {
				m[k] = append([]int{i}, idx...)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = []int{i}
	}
	return m
}

// locate finds the position of a field path such as
// "sectors.S06.approach.classes[1]" in the file: the key's position for a
// mapping field, the item's for a list index. Where the path does not exist
// in full it gives the position of the deepest part that does.
func (d *decoder) locate(path string) *token.Position {
	if d.body == nil || path == "" {
		return nil
	}
	n := d.resolve(d.body)
	var pos *token.Position
	for seg := range strings.SplitSeq(path, ".") {
		key, rest, _ := strings.Cut(seg, "[")
		if key != "" {
			e, ok := d.findKey(n, key)
			if !ok {
				return orPos(pos, n)
			}
			if e.keyTk != nil {
				pos = e.keyTk.Position
			}
			n = d.resolve(e.value)
		}
		for rest != "" {
			num, after, _ := strings.Cut(rest, "]")
			rest = strings.TrimPrefix(after, "[")
			i, err := strconv.Atoi(num)
			seq, ok := n.(*ast.SequenceNode)
			if err != nil || !ok || i < 0 || i >= len(seq.Values) {
				return orPos(pos, n)
			}
			n = d.resolve(seq.Values[i])
			pos = nodePos(n)
		}
	}
	return pos
}

// findKey finds a mapping's own key; keys merged in with "<<" are not
// searched, so a problem in one is placed at the mapping.
func (d *decoder) findKey(n ast.Node, key string) (entry, bool) {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		return entry{}, false
	}
	for _, mv := range m.Values {
		if mv != nil && mv.Key != nil && keyString(mv.Key) == key {
			return entry{key: key, keyTk: mv.Key.GetToken(), value: mv.Value}, true
		}
	}
	return entry{}, false
}

// tokenOf is a node's token, nil for no node.
func tokenOf(n ast.Node) *token.Token {
	if n == nil {
		return nil
	}
	if doc, ok := n.(*ast.DocumentNode); ok {
		if doc.Body == nil {
			return doc.Start
		}
		return tokenOf(doc.Body)
	}
	return n.GetToken()
}

func orPos(pos *token.Position, n ast.Node) *token.Position {
	if pos != nil {
		return pos
	}
	return nodePos(n)
}

// nodePos is where a node starts: a mapping's first key, else its token.
func nodePos(n ast.Node) *token.Position {
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 && m.Values[0].Key != nil {
		if tk := m.Values[0].Key.GetToken(); tk != nil {
			return tk.Position
		}
	}
	if n == nil || tokenOf(n) == nil {
		return nil
	}
	return tokenOf(n).Position
}

func keyString(k ast.MapKeyNode) string {
	var n ast.Node = k
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
			continue
		case *ast.TagNode:
			n = v.Value
			continue
		}
		break
	}
	if s, ok := n.(ast.ScalarNode); ok && s != nil {
		if v := s.GetValue(); v != nil {
			return fmt.Sprint(v)
		}
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
