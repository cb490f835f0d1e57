module raqib

go 1.26
