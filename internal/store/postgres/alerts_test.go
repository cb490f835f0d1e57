package postgres_test

import (
	"testing"

	"raqib/internal/alert"
	"raqib/internal/store/postgres/pgtest"
	"raqib/internal/store/storetest"
)

func TestAlertsConformance(t *testing.T) {
	pgtest.Require(t)
	storetest.Alerts(t, func(t *testing.T) alert.Store { return open(t) })
}
