package auth

import (
	"encoding/json"
	"slices"
	"strings"

	"raqib/internal/errs"
)

// Force is the force a user serves in. The values of the forces that hold
// sectors are the theater's (theater.Force); joc is the Joint Operations
// Command, which holds no sector of its own.
type Force string

// The forces.
const (
	ForceArmy         Force = "army"
	ForceBorderGuards Force = "border_guards"
	ForcePMF          Force = "pmf"
	ForceReserves     Force = "reserves"
	ForcePeshmerga    Force = "peshmerga"
	ForceJOC          Force = "joc"
)

// Forces lists every force in a stable order.
var Forces = []Force{ForceArmy, ForceBorderGuards, ForcePMF, ForceReserves, ForcePeshmerga, ForceJOC}

// Valid reports whether f is a known force.
func (f Force) Valid() bool { return slices.Contains(Forces, f) }

// Role is a set of duties; the policy matrix says what each may do.
type Role string

// The roles.
const (
	RoleOperator      Role = "operator"
	RoleSupervisor    Role = "supervisor"
	RoleCommander     Role = "commander"
	RoleAnalyst       Role = "analyst"
	RoleSensor        Role = "sensor"
	RoleAdministrator Role = "administrator"
)

// Roles lists every role in a stable order.
var Roles = []Role{RoleOperator, RoleSupervisor, RoleCommander, RoleAnalyst, RoleSensor, RoleAdministrator}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// normalizeRoles checks the roles and returns them sorted without
// duplicates.
func normalizeRoles(field string, roles []Role) ([]Role, error) {
	for i, r := range roles {
		if !r.Valid() {
			return nil, errs.E(errs.Invalid, "%s[%d]: %q is not one of %v", field, i, r, Roles)
		}
	}
	out := slices.Clone(roles)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Clearance is a user's level of access to restricted data. Levels are
// ordered: a rule asking for a level is met by it and every level above.
type Clearance int

// The clearance levels.
const (
	ClearanceNone       Clearance = 0
	ClearanceRestricted Clearance = 1
)

// Valid reports whether c is a known level.
func (c Clearance) Valid() bool { return c >= ClearanceNone && c <= ClearanceRestricted }

func (c Clearance) String() string {
	switch c {
	case ClearanceNone:
		return "none"
	case ClearanceRestricted:
		return "restricted"
	}
	return "invalid"
}

// Name limits.
const (
	MinNameLen = 3
	MaxNameLen = 32
	// MaxSectorIDLen bounds a sector id; the theater's are like "S03".
	MaxSectorIDLen = 32
	// MaxSectors bounds the sectors a user or token may list.
	MaxSectors = 256
	// MaxDisplayNameLen bounds a display name, in bytes.
	MaxDisplayNameLen = 128
)

// ValidateName checks a user name: 3 to 32 characters of a-z, 0-9, '.',
// '_' and '-'.
func ValidateName(name string) error {
	if len(name) < MinNameLen || len(name) > MaxNameLen {
		return errs.E(errs.Invalid, "name: %d characters, want %d to %d", len(name), MinNameLen, MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		if !nameByte(name[i]) {
			return errs.E(errs.Invalid, "name: character %d (%q) is not one of a-z 0-9 . _ -", i+1, name[i])
		}
	}
	return nil
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// ValidateSectorID checks the form of a sector id: 1 to 32 characters of
// A-Z, a-z, 0-9, '.', '_' and '-'. Whether the sector exists is the
// theater's business (Config.SectorForce).
func ValidateSectorID(id string) error {
	if id == "" || len(id) > MaxSectorIDLen {
		return errs.E(errs.Invalid, "sector %q: want 1 to %d characters", id, MaxSectorIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(nameByte(c) || c >= 'A' && c <= 'Z') {
			return errs.E(errs.Invalid, "sector %q: character %d is not one of A-Z a-z 0-9 . _ -", id, i+1)
		}
	}
	return nil
}

// Sectors is a sector scope: every sector, or a set of sector ids. The
// zero value is no sector.
type Sectors struct {
	All bool
	IDs []string // sorted, without duplicates; empty when All
}

// AllSectors is the scope of every sector.
func AllSectors() Sectors { return Sectors{All: true} }

// SectorList returns the scope of the listed sectors, checked, sorted and
// without duplicates.
func SectorList(ids ...string) (Sectors, error) {
	if len(ids) > MaxSectors {
		return Sectors{}, errs.E(errs.Invalid, "sectors: %d listed, at most %d", len(ids), MaxSectors)
	}
	for _, id := range ids {
		if err := ValidateSectorID(id); err != nil {
			return Sectors{}, err
		}
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return Sectors{IDs: slices.Compact(out)}, nil
}

// Contains reports whether the scope includes the sector. The empty
// sector (an object in no sector, or one whose sector is unknown) is
// included only in the scope of every sector.
func (s Sectors) Contains(id string) bool {
	if s.All {
		return true
	}
	if id == "" {
		return false
	}
	_, ok := slices.BinarySearch(s.IDs, id)
	return ok
}

// Empty reports whether the scope holds no sector.
func (s Sectors) Empty() bool { return !s.All && len(s.IDs) == 0 }

// Covers reports whether every sector of o is in s.
func (s Sectors) Covers(o Sectors) bool {
	if s.All {
		return true
	}
	if o.All {
		return false
	}
	for _, id := range o.IDs {
		if !s.Contains(id) {
			return false
		}
	}
	return true
}

// Intersect returns the sectors in both scopes.
func (s Sectors) Intersect(o Sectors) Sectors {
	switch {
	case s.All:
		return o.clone()
	case o.All:
		return s.clone()
	}
	var ids []string
	for _, id := range s.IDs {
		if o.Contains(id) {
			ids = append(ids, id)
		}
	}
	return Sectors{IDs: ids}
}

// Union returns the sectors in either scope.
func (s Sectors) Union(o Sectors) Sectors {
	if s.All || o.All {
		return AllSectors()
	}
	ids := append(slices.Clone(s.IDs), o.IDs...)
	slices.Sort(ids)
	return Sectors{IDs: slices.Compact(ids)}
}

// Without returns s less the listed sectors. Sectors cannot be taken out
// of the scope of every sector one by one: the caller removes All first.
func (s Sectors) Without(o Sectors) Sectors {
	if o.All {
		return Sectors{}
	}
	if s.All {
		return s
	}
	var ids []string
	for _, id := range s.IDs {
		if !o.Contains(id) {
			ids = append(ids, id)
		}
	}
	return Sectors{IDs: ids}
}

func (s Sectors) clone() Sectors { return Sectors{All: s.All, IDs: slices.Clone(s.IDs)} }

// String is "all sectors", "no sectors" or "sectors S03,S04", for messages.
func (s Sectors) String() string {
	switch {
	case s.All:
		return "all sectors"
	case len(s.IDs) == 0:
		return "no sectors"
	}
	return "sectors " + strings.Join(s.IDs, ",")
}

// MarshalJSON writes "all" or the array of ids.
func (s Sectors) MarshalJSON() ([]byte, error) {
	if s.All {
		return []byte(`"all"`), nil
	}
	if s.IDs == nil {
		return []byte(`[]`), nil
	}
	return json.Marshal(s.IDs)
}

// UnmarshalJSON reads "all" or an array of sector ids.
func (s *Sectors) UnmarshalJSON(b []byte) error {
	var all string
	if err := json.Unmarshal(b, &all); err == nil {
		if all != "all" {
			return errs.E(errs.Invalid, "sectors: %q is neither \"all\" nor an array of sector ids", all)
		}
		*s = AllSectors()
		return nil
	}
	var ids []string
	if err := json.Unmarshal(b, &ids); err != nil {
		return errs.E(errs.Invalid, "sectors: want \"all\" or an array of sector ids")
	}
	list, err := SectorList(ids...)
	if err != nil {
		return err
	}
	*s = list
	return nil
}
