package theater

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// maxFileSize bounds every theater file: each is read whole into memory.
const maxFileSize = 32 << 20

// listSpec names a layer file and the top-level key holding its list.
type listSpec struct {
	file string
	key  string
}

// The layer files.
var (
	specSectors    = listSpec{"sectors.yaml", "sectors"}
	specCrossings  = listSpec{"crossings.yaml", "crossings"}
	specZones      = listSpec{"zones.yaml", "zones"}
	specBarriers   = listSpec{"barriers.yaml", "barriers"}
	specPosts      = listSpec{"posts.yaml", "posts"}
	specBases      = listSpec{"bases.yaml", "bases"}
	specCameras    = listSpec{"cameras.yaml", "cameras"}
	specFacilities = listSpec{"facilities.yaml", "facilities"}
)

// ManifestFile is the theater's top file, naming the border file.
const ManifestFile = "theater.yaml"

// collector gathers problems and places them in their files. It keeps the
// parsed files of a theater being loaded; a collector without files still
// names the file and field of each problem.
type collector struct {
	docs map[string]ast.Node
	// fileIndex maps, per file, a record's index in its slice to its index
	// in the file, where records that failed to decode were left out.
	fileIndex map[string][]int
	// broken holds the files that could not be read or parsed, so checks
	// that depend on them do not pile follow-on problems on the first.
	broken map[string]bool
	list   []Problem
}

func newCollector() *collector {
	return &collector{docs: map[string]ast.Node{}, fileIndex: map[string][]int{}, broken: map[string]bool{}}
}

// add records a problem with a field, placing it by walking the file's AST.
func (c *collector) add(file, field, format string, args ...any) {
	p := Problem{File: file, Field: field, Message: fmt.Sprintf(format, args...)}
	if body := c.docs[file]; body != nil && field != "" {
		if pos := locate(body, field); pos != nil {
			p.Line, p.Column = pos.Line, pos.Column
		}
	}
	c.list = append(c.list, p)
}

// addAt records a problem at a token.
func (c *collector) addAt(file string, tk *token.Token, field, msg string) {
	p := Problem{File: file, Field: field, Message: msg}
	if tk != nil && tk.Position != nil {
		p.Line, p.Column = tk.Position.Line, tk.Position.Column
	}
	c.list = append(c.list, p)
}

// path names field sub of the i-th record of a layer, as it is numbered in
// its file: path(specSectors, 3, "to_km") is "sectors[3].to_km".
func (c *collector) path(s listSpec, i int, sub string) string {
	if idx := c.fileIndex[s.file]; i < len(idx) {
		i = idx[i]
	}
	p := s.key + "[" + strconv.Itoa(i) + "]"
	if sub != "" {
		p += "." + sub
	}
	return p
}

// readFile reads a theater file, reporting a problem if it cannot.
func (c *collector) readFile(fsys fs.FS, name string) ([]byte, bool) {
	f, err := fsys.Open(name)
	if err != nil {
		c.add(name, "", "cannot read: %v", unwrapPath(err))
		c.broken[name] = true
		return nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		c.add(name, "", "cannot read: %v", unwrapPath(err))
		c.broken[name] = true
		return nil, false
	}
	if len(data) > maxFileSize {
		c.add(name, "", "larger than %d bytes", maxFileSize)
		c.broken[name] = true
		return nil, false
	}
	return data, true
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parse parses a YAML file and keeps its body for locating problems. It
// returns nil for a file that does not parse or holds no document.
func (c *collector) parse(name string, data []byte) ast.Node {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) {
			c.addAt(name, ye.GetToken(), "", "syntax error: "+ye.GetMessage())
		} else {
			c.add(name, "", "syntax error: %v", err)
		}
		c.broken[name] = true
		return nil
	}
	if len(f.Docs) > 1 {
		c.addAt(name, f.Docs[1].GetToken(), "", "more than one YAML document")
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return nil
	}
	body := unwrapNode(f.Docs[0].Body)
	c.docs[name] = body
	return body
}

// addDecodeError reports an error decoding node (at path) at the token it
// names, with the path of the field holding that token.
func (c *collector) addDecodeError(file, path string, node ast.Node, err error) {
	var ye yaml.Error
	if errors.As(err, &ye) {
		tk := ye.GetToken()
		c.addAt(file, tk, fieldAt(node, path, tk), ye.GetMessage())
		return
	}
	c.add(file, path, "%v", err)
}

// fieldAt finds the path of the field, under node at path, whose key or
// value starts at the token's position; path itself if none does.
func fieldAt(node ast.Node, path string, tk *token.Token) string {
	if tk == nil || tk.Position == nil {
		return path
	}
	at := func(n ast.Node) bool {
		t := n.GetToken()
		return t != nil && t.Position != nil && t.Position.Offset == tk.Position.Offset
	}
	switch n := unwrapNode(node).(type) {
	case *ast.MappingNode:
		for _, mv := range n.Values {
			sub := joinPath(path, keyString(mv.Key))
			if at(mv.Key) || at(mv.Value) {
				return sub
			}
			if f := fieldAt(mv.Value, sub, tk); f != sub {
				return f
			}
		}
	case *ast.SequenceNode:
		for i, v := range n.Values {
			sub := path + "[" + strconv.Itoa(i) + "]"
			if at(v) {
				return sub
			}
			if f := fieldAt(v, sub, tk); f != sub {
				return f
			}
		}
	}
	return path
}

// decodeRoot decodes a mapping file such as theater.yaml into v, reporting
// unknown fields and decode errors.
func (c *collector) decodeRoot(file string, body ast.Node, v any) bool {
	if c.broken[file] {
		return false
	}
	if body == nil {
		c.add(file, "", "empty file")
		return false
	}
	c.checkKeys(file, body, reflect.TypeOf(v), "")
	if err := yaml.NodeToValue(body, v); err != nil {
		c.addDecodeError(file, "", body, err)
		return false
	}
	return true
}

// decodeList decodes the list under s.key of a layer file, one record at a
// time so that a bad record is reported and left out while the rest load.
func decodeList[T any](c *collector, s listSpec, body ast.Node) []*T {
	if c.broken[s.file] {
		return nil
	}
	if body == nil {
		c.add(s.file, "", "empty file: want a mapping with the key %q", s.key)
		return nil
	}
	m, ok := body.(*ast.MappingNode)
	if !ok {
		c.addAt(s.file, body.GetToken(), "", fmt.Sprintf("want a mapping with the key %q", s.key))
		return nil
	}
	var seq *ast.SequenceNode
	found := false
	for _, mv := range m.Values {
		key := keyString(mv.Key)
		if key != s.key {
			c.addAt(s.file, mv.Key.GetToken(), key, "unknown field")
			continue
		}
		found = true
		switch v := unwrapNode(mv.Value).(type) {
		case *ast.SequenceNode:
			seq = v
		case *ast.NullNode:
		default:
			c.addAt(s.file, mv.Value.GetToken(), s.key, "want a list")
		}
	}
	if !found {
		c.addAt(s.file, body.GetToken(), s.key, "missing")
	}
	if seq == nil {
		return nil
	}
	typ := reflect.TypeFor[T]()
	out := make([]*T, 0, len(seq.Values))
	idx := make([]int, 0, len(seq.Values))
	for i, item := range seq.Values {
		path := s.key + "[" + strconv.Itoa(i) + "]"
		item = unwrapNode(item)
		if _, ok := item.(*ast.MappingNode); !ok {
			c.addAt(s.file, item.GetToken(), path, "want a mapping")
			continue
		}
		c.checkKeys(s.file, item, typ, path)
		v := new(T)
		if err := yaml.NodeToValue(item, v); err != nil {
			c.addDecodeError(s.file, path, item, err)
			continue
		}
		out = append(out, v)
		idx = append(idx, i)
	}
	c.fileIndex[s.file] = idx
	return out
}

// checkKeys reports every mapping key of n that names no field of t,
// descending into nested structs, slices and maps.
func (c *collector) checkKeys(file string, n ast.Node, t reflect.Type, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	n = unwrapNode(n)
	switch t.Kind() {
	case reflect.Struct:
		m, ok := n.(*ast.MappingNode)
		if !ok {
			return
		}
		fields := yamlFields(t)
		for _, mv := range m.Values {
			key := keyString(mv.Key)
			sub := joinPath(path, key)
			ft, ok := fields[key]
			if !ok {
				c.addAt(file, mv.Key.GetToken(), sub, "unknown field")
				continue
			}
			c.checkKeys(file, mv.Value, ft, sub)
		}
	case reflect.Slice:
		if seq, ok := n.(*ast.SequenceNode); ok {
			for i, v := range seq.Values {
				c.checkKeys(file, v, t.Elem(), path+"["+strconv.Itoa(i)+"]")
			}
		}
	case reflect.Map:
		if m, ok := n.(*ast.MappingNode); ok {
			for _, mv := range m.Values {
				c.checkKeys(file, mv.Value, t.Elem(), joinPath(path, keyString(mv.Key)))
			}
		}
	}
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// yamlFields maps the YAML names of a struct's fields to their types, the
// way the decoder names them: the yaml tag, else the lower-cased field name.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}

// locate finds the position of a field path such as "cameras[3].range_m.person"
// in a file's body: the key's position for a mapping field, the item's for
// a list index. Where the path does not exist in full (a missing field), it
// gives the position of the deepest part that does.
func locate(body ast.Node, path string) *token.Position {
	n := body
	var pos *token.Position
	for seg := range strings.SplitSeq(path, ".") {
		key, rest, _ := strings.Cut(seg, "[")
		if key != "" {
			mv := findKey(n, key)
			if mv == nil {
				return orPos(pos, n)
			}
			pos = mv.Key.GetToken().Position
			n = unwrapNode(mv.Value)
		}
		for rest != "" {
			num, after, _ := strings.Cut(rest, "]")
			rest = strings.TrimPrefix(after, "[")
			i, err := strconv.Atoi(num)
			seq, ok := n.(*ast.SequenceNode)
			if err != nil || !ok || i < 0 || i >= len(seq.Values) {
				return orPos(pos, n)
			}
			n = unwrapNode(seq.Values[i])
			pos = nodePos(n)
		}
	}
	return pos
}

func orPos(pos *token.Position, n ast.Node) *token.Position {
	if pos != nil {
		return pos
	}
	return nodePos(n)
}

// nodePos is where a node starts: a mapping's first key, else its token.
func nodePos(n ast.Node) *token.Position {
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		return m.Values[0].Key.GetToken().Position
	}
	if n == nil || n.GetToken() == nil {
		return nil
	}
	return n.GetToken().Position
}

func findKey(n ast.Node, key string) *ast.MappingValueNode {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		return nil
	}
	for _, mv := range m.Values {
		if keyString(mv.Key) == key {
			return mv
		}
	}
	return nil
}

// unwrapNode looks through anchors and tags to the value they carry.
func unwrapNode(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
}

func keyString(k ast.MapKeyNode) string {
	if s, ok := unwrapNode(k).(ast.ScalarNode); ok {
		if v := s.GetValue(); v != nil {
			return fmt.Sprint(v)
		}
	}
	return k.GetToken().Value
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
