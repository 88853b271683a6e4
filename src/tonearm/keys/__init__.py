"""Minting and listing keys over HTTP. Above `catalog`, because a key's scope is a catalog object
(collection, creator, track) that must exist in the caller's organization; checking keys on every
request is `auth`'s job, below everything that has routes."""
