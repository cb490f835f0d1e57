package theater

import "slices"

// Force is one of the forces that hold the border.
type Force string

// The forces.
const (
	ForceArmy         Force = "army"
	ForceBorderGuards Force = "border_guards"
	ForcePMF          Force = "pmf"
	ForceReserves     Force = "reserves"
	ForcePeshmerga    Force = "peshmerga"
)

// Forces lists every force in a stable order.
var Forces = []Force{ForceArmy, ForceBorderGuards, ForcePMF, ForceReserves, ForcePeshmerga}

// Valid reports whether f is a known force.
func (f Force) Valid() bool { return slices.Contains(Forces, f) }

// CrossingStatus is the state of an official crossing.
type CrossingStatus string

// The crossing states.
const (
	CrossingOpen       CrossingStatus = "open"
	CrossingClosed     CrossingStatus = "closed"
	CrossingRestricted CrossingStatus = "restricted"
)

// CrossingStatuses lists every crossing status.
var CrossingStatuses = []CrossingStatus{CrossingOpen, CrossingClosed, CrossingRestricted}

// Valid reports whether s is a known crossing status.
func (s CrossingStatus) Valid() bool { return slices.Contains(CrossingStatuses, s) }

// ZoneStatus says how far an unofficial crossing zone has been closed.
type ZoneStatus string

// The zone closure states.
const (
	ZoneOpen            ZoneStatus = "open"
	ZonePartiallyClosed ZoneStatus = "partially_closed"
	ZoneClosed          ZoneStatus = "closed"
)

// ZoneStatuses lists every zone status.
var ZoneStatuses = []ZoneStatus{ZoneOpen, ZonePartiallyClosed, ZoneClosed}

// Valid reports whether s is a known zone status.
func (s ZoneStatus) Valid() bool { return slices.Contains(ZoneStatuses, s) }

// BarrierKind is the kind of a barrier segment.
type BarrierKind string

// The barrier kinds.
const (
	BarrierBerm   BarrierKind = "berm"
	BarrierTrench BarrierKind = "trench"
	BarrierWall   BarrierKind = "wall"
	BarrierFence  BarrierKind = "fence"
)

// BarrierKinds lists every barrier kind.
var BarrierKinds = []BarrierKind{BarrierBerm, BarrierTrench, BarrierWall, BarrierFence}

// Valid reports whether k is a known barrier kind.
func (k BarrierKind) Valid() bool { return slices.Contains(BarrierKinds, k) }

// BarrierStatus is the construction state of a barrier segment.
type BarrierStatus string

// The barrier states.
const (
	BarrierPlanned           BarrierStatus = "planned"
	BarrierUnderConstruction BarrierStatus = "under_construction"
	BarrierComplete          BarrierStatus = "complete"
)

// BarrierStatuses lists every barrier status.
var BarrierStatuses = []BarrierStatus{BarrierPlanned, BarrierUnderConstruction, BarrierComplete}

// Valid reports whether s is a known barrier status.
func (s BarrierStatus) Valid() bool { return slices.Contains(BarrierStatuses, s) }

// TargetClass is a class of target a camera's detection range is given for.
type TargetClass string

// The target classes.
const (
	TargetPerson  TargetClass = "person"
	TargetVehicle TargetClass = "vehicle"
)

// TargetClasses lists every target class.
var TargetClasses = []TargetClass{TargetPerson, TargetVehicle}

// Valid reports whether c is a known target class.
func (c TargetClass) Valid() bool { return slices.Contains(TargetClasses, c) }

// FacilityKind is the kind of a facility across the border.
type FacilityKind string

// The facility kinds.
const (
	FacilityCamp   FacilityKind = "camp"
	FacilityPrison FacilityKind = "prison"
)

// FacilityKinds lists every facility kind.
var FacilityKinds = []FacilityKind{FacilityCamp, FacilityPrison}

// Valid reports whether k is a known facility kind.
func (k FacilityKind) Valid() bool { return slices.Contains(FacilityKinds, k) }

// ThreatLevel is a sector's threat level, lowest first.
type ThreatLevel string

// The threat levels, in rising order.
const (
	ThreatLow      ThreatLevel = "low"
	ThreatElevated ThreatLevel = "elevated"
	ThreatHigh     ThreatLevel = "high"
	ThreatCritical ThreatLevel = "critical"
)

// ThreatLevels lists every threat level, lowest first.
var ThreatLevels = []ThreatLevel{ThreatLow, ThreatElevated, ThreatHigh, ThreatCritical}

// Valid reports whether l is a known threat level.
func (l ThreatLevel) Valid() bool { return slices.Contains(ThreatLevels, l) }

// Rank orders threat levels: 0 for low up to 3 for critical, -1 if unknown.
func (l ThreatLevel) Rank() int { return slices.Index(ThreatLevels, l) }

// Mount says what a camera stands on.
type Mount string

// The camera mounts.
const (
	MountPost Mount = "post"
	MountMast Mount = "mast"
)

// Mounts lists every camera mount.
var Mounts = []Mount{MountPost, MountMast}

// Valid reports whether m is a known mount.
func (m Mount) Valid() bool { return slices.Contains(Mounts, m) }

// Hand names a side of the border line relative to its direction of travel.
type Hand string

// The two hands.
const (
	HandRight Hand = "right"
	HandLeft  Hand = "left"
)

// Valid reports whether h is right or left.
func (h Hand) Valid() bool { return h == HandRight || h == HandLeft }

// Side is the country a point lies in, judged by the border line.
type Side string

// The two sides of the border.
const (
	SideIraq  Side = "iraq"
	SideSyria Side = "syria"
)

// Layer names a layer of the theater, as used in GeoJSON export filters
// and in each feature's "layer" property.
type Layer string

// The layers.
const (
	LayerBorder      Layer = "border"
	LayerSectors     Layer = "sectors"
	LayerSectorLines Layer = "sector_lines"
	LayerCrossings   Layer = "crossings"
	LayerZones       Layer = "zones"
	LayerBarriers    Layer = "barriers"
	LayerPosts       Layer = "posts"
	LayerBases       Layer = "bases"
	LayerCameras     Layer = "cameras"
	LayerFacilities  Layer = "facilities"
)

// Layers lists every layer in export order.
var Layers = []Layer{
	LayerBorder, LayerSectors, LayerSectorLines, LayerZones, LayerBarriers,
	LayerCrossings, LayerPosts, LayerBases, LayerCameras, LayerFacilities,
}

// Valid reports whether l is a known layer.
func (l Layer) Valid() bool { return slices.Contains(Layers, l) }
