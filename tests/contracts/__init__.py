"""Tests that pin how crmctl does something, not what it does: query plans, what start-up
imports, private fast paths checked against their reference. Each says which performance
or design contract it holds; when a refactor changes the how on purpose, change the test
here and keep the contract (or say in the commit why it is dropped)."""
